"""an index on cases (updated_at, id): insights' rollup reads the cases changed since its
watermark every minute, which was a scan of every case

Revision ID: 0030_cases_updated_index
Revises: 0029_report_copies
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030_cases_updated_index"
down_revision: str | None = "0029_report_copies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_updated", ["updated_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_updated")
