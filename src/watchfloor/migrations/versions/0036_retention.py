"""retention runs: what the daily retention job deleted or redacted (compliance/retention)

Revision ID: 0036_retention
Revises: 0035_appeals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0036_retention"
down_revision: str | None = "0035_appeals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("finished_at", AT, nullable=True),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("cutoffs", JSON, nullable=False),
        sa.Column("held_cases", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
        sa.UniqueConstraint("day", name=op.f("uq_retention_runs_day")),
    )
    op.create_index(op.f("ix_retention_runs_started_at"), "retention_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_retention_runs_started_at"), table_name="retention_runs")
    op.drop_table("retention_runs")
