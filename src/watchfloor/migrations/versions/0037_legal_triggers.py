"""the legal-triggers job: what it has read of case events, and the follow-ups it carried out (compliance/triggers)

Revision ID: 0037_legal_triggers
Revises: 0036_retention
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0037_legal_triggers"
down_revision: str | None = "0036_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "legal_trigger_watermarks",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("last_id", ID, nullable=False),
        sa.Column("ran_at", AT, nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_legal_trigger_watermarks")),
    )
    op.create_table(
        "legal_follow_ups",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_obligation_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("obligation_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("argument", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("done_at", AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_obligation_id"],
            ["case_obligations.id"],
            name=op.f("fk_legal_follow_ups_case_obligation_id_case_obligations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_legal_follow_ups_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_follow_ups")),
        sa.UniqueConstraint(
            "case_obligation_id",
            "action",
            "argument",
            name=op.f("uq_legal_follow_ups_case_obligation_id_action_argument"),
        ),
    )
    op.create_index(
        op.f("ix_legal_follow_ups_case_obligation_id"), "legal_follow_ups", ["case_obligation_id"]
    )
    op.create_index(op.f("ix_legal_follow_ups_case_id"), "legal_follow_ups", ["case_id"])
    op.create_index(op.f("ix_legal_follow_ups_state"), "legal_follow_ups", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_follow_ups_state"), table_name="legal_follow_ups")
    op.drop_index(op.f("ix_legal_follow_ups_case_id"), table_name="legal_follow_ups")
    op.drop_index(op.f("ix_legal_follow_ups_case_obligation_id"), table_name="legal_follow_ups")
    op.drop_table("legal_follow_ups")
    op.drop_table("legal_trigger_watermarks")
