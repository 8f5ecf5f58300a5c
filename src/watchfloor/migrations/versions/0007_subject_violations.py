"""subject violations: a counter triage reads at intake instead of a query per report

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("violations", INT, server_default="0", nullable=False))
    # Count what was already decided: each case decided a violation once.
    op.execute(
        "UPDATE subjects SET violations = ("
        " SELECT count(DISTINCT d.case_id) FROM decisions d JOIN cases c ON c.id = d.case_id"
        " WHERE c.subject_id = subjects.id AND d.violation)"
    )


def downgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_column("violations")
