"""indexes on the insights per-case tables by their filter dimensions: metrics with three or
four filters are counted from these rows, and without them SQLite read every row of the range
by its day index (8.9 s for 90 days over a million cases)

Revision ID: 0031_insight_dimension_indexes
Revises: 0030_cases_updated_index
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_insight_dimension_indexes"
down_revision: str | None = "0030_cases_updated_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every three-filter combination has one of these as its prefix (four filters: the first).
DIMENSIONS = {
    "area_source": ["harm_area", "source", "region", "language"],
    "area_region": ["harm_area", "region", "language"],
    "source_region": ["source", "region", "language"],
}
TABLES = {"insight_cases": "ix_insight_cases", "insight_events": "ix_insight_events"}


def upgrade() -> None:
    for table, prefix in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in DIMENSIONS.items():
                batch_op.create_index(f"{prefix}_{name}", columns, unique=False)


def downgrade() -> None:
    for table, prefix in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in DIMENSIONS:
                batch_op.drop_index(f"{prefix}_{name}")
