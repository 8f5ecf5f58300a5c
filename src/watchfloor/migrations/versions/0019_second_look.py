"""second look: a row per report the worker's second-look job has settled

Revision ID: 0019_second_look
Revises: 0018_report_language
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0019_second_look"
down_revision: str | None = "0018_report_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_second_looks",
        sa.Column("report_id", ID, autoincrement=False, nullable=False),
        sa.Column("looked_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "scores",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_second_looks_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_report_second_looks")),
    )
    # Reports already stored were triaged, and worked, without a second look: the job starts
    # with the reports that arrive from now on, instead of reading the whole history first
    # while new reports wait behind it.
    looks = sa.table(
        "report_second_looks",
        sa.column("report_id", ID),
        sa.column("looked_at", watchfloor.db.UTCDateTime(timezone=True)),
        sa.column("outcome", sa.String()),
        sa.column("reason", sa.Text()),
    )
    reports = sa.table("reports", sa.column("id", ID))
    now = datetime.now(UTC)
    op.execute(
        looks.insert().from_select(
            ["report_id", "looked_at", "outcome", "reason"],
            sa.select(
                reports.c.id,
                sa.literal(now, watchfloor.db.UTCDateTime(timezone=True)),
                sa.literal("skipped"),
                sa.literal("received before the second look was installed"),
            ),
        )
    )


def downgrade() -> None:
    op.drop_table("report_second_looks")
