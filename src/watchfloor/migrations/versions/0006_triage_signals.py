"""triage signals: risk score, harm areas, suggested policy, flags, classifier scores

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _json(name: str, empty: str) -> sa.Column[object]:
    return sa.Column(name, JSON, server_default=sa.text(f"'{empty}'"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("risk_score", sa.Double(), server_default="0", nullable=False)
        )
        batch_op.add_column(_json("harm_areas", "[]"))
        batch_op.add_column(sa.Column("suggested_policy", sa.String(length=32), nullable=True))
        batch_op.add_column(_json("triage_flags", "[]"))
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("risk_score", sa.Double(), server_default="0", nullable=False)
        )
        batch_op.add_column(_json("area_scores", "{}"))
        batch_op.add_column(_json("harm_areas", "[]"))
        batch_op.add_column(_json("triage_flags", "[]"))
        batch_op.add_column(sa.Column("taxonomy_version", INT, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        for column in (
            "taxonomy_version",
            "triage_flags",
            "harm_areas",
            "area_scores",
            "risk_score",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in ("triage_flags", "suggested_policy", "harm_areas", "risk_score"):
            batch_op.drop_column(column)
