"""cases.golden_of_id: a case that is a golden copy of a decided one, re-queued to score analysts

Revision ID: 0026_golden_copies
Revises: 0025_calibration
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_golden_copies"
down_revision: str | None = "0025_calibration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "golden_of_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_golden_of_id_cases"), "cases", ["golden_of_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_golden_of_id_cases"), type_="foreignkey")
        batch_op.drop_column("golden_of_id")
