"""shift hand-offs, and reports indexed by arrival for volume by hour

Revision ID: 0011
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", INT, nullable=False),
        sa.Column("at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", INT, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_handoffs_at"), "handoffs", ["at"], unique=False)
    op.create_index(op.f("ix_reports_received_at"), "reports", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_received_at"), table_name="reports")
    op.drop_index(op.f("ix_handoffs_at"), table_name="handoffs")
    op.drop_table("handoffs")
