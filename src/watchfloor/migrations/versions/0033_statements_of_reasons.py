"""statements of reasons: one per restricting decision, as built, checked and sent to the DSA
Transparency Database, and the job's watermark over decisions

Revision ID: 0033_statements_of_reasons
Revises: 0032_case_obligations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0033_statements_of_reasons"
down_revision: str | None = "0032_case_obligations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "statements_of_reasons",
        sa.Column("id", ID, nullable=False),
        sa.Column("decision_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("puid", sa.String(length=500), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("user_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", ID, nullable=False),
        sa.Column("next_attempt_at", AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("database_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("submitted_at", AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_statements_of_reasons_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_statements_of_reasons_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements_of_reasons")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_statements_of_reasons_decision_id")),
        sa.UniqueConstraint("puid", name=op.f("uq_statements_of_reasons_puid")),
    )
    op.create_index(op.f("ix_statements_of_reasons_case_id"), "statements_of_reasons", ["case_id"])
    op.create_index(
        "ix_statements_of_reasons_due", "statements_of_reasons", ["state", "next_attempt_at"]
    )
    op.create_table(
        "statement_watermark",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("last_decision_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_statement_watermark")),
    )


def downgrade() -> None:
    op.drop_table("statement_watermark")
    op.drop_index("ix_statements_of_reasons_due", table_name="statements_of_reasons")
    op.drop_index(op.f("ix_statements_of_reasons_case_id"), table_name="statements_of_reasons")
    op.drop_table("statements_of_reasons")
