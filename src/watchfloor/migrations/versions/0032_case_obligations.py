"""case obligations: the legal obligations a case carries, their clocks and their pauses

Revision ID: 0032_case_obligations
Revises: 0031_insight_dimension_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0032_case_obligations"
down_revision: str | None = "0031_insight_dimension_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_obligations",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("obligation_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("due_at", AT, nullable=True),
        sa.Column("warn_at", AT, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("response_due_at", AT, nullable=True),
        sa.Column("extended_at", AT, nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("renewals", JSON, nullable=False),
        sa.Column("done_at", AT, nullable=True),
        sa.Column("warned_at", AT, nullable=True),
        sa.Column("breached_at", AT, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_obligations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_obligations")),
    )
    op.create_index(
        op.f("ix_case_obligations_case_id"), "case_obligations", ["case_id"], unique=False
    )
    op.create_index(
        "ix_case_obligations_open_due", "case_obligations", ["state", "due_at"], unique=False
    )
    op.create_index(
        "ix_case_obligations_open_warn", "case_obligations", ["state", "warn_at"], unique=False
    )
    op.create_table(
        "case_obligation_pauses",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_obligation_id", ID, nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("ended_at", AT, nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.Column("end_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_obligation_id"],
            ["case_obligations.id"],
            name=op.f("fk_case_obligation_pauses_case_obligation_id_case_obligations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_obligation_pauses")),
    )
    op.create_index(
        op.f("ix_case_obligation_pauses_case_obligation_id"),
        "case_obligation_pauses",
        ["case_obligation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_case_obligation_pauses_case_obligation_id"), table_name="case_obligation_pauses"
    )
    op.drop_table("case_obligation_pauses")
    op.drop_index("ix_case_obligations_open_warn", table_name="case_obligations")
    op.drop_index("ix_case_obligations_open_due", table_name="case_obligations")
    op.drop_index(op.f("ix_case_obligations_case_id"), table_name="case_obligations")
    op.drop_table("case_obligations")
