"""reports.copy_of_id: a report copied onto a golden copy of its case, which volumes leave out

Revision ID: 0029_report_copies
Revises: 0028_golden_sets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_report_copies"
down_revision: str | None = "0028_golden_sets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "copy_of_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_copy_of_id_reports"), "reports", ["copy_of_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_copy_of_id_reports"), type_="foreignkey")
        batch_op.drop_column("copy_of_id")
