"""report language: the language triage detected in a report's text, and its confidence

Revision ID: 0018_report_language
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_report_language"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, with no backfill: reports stored before detection existed say "not detected"
    # rather than carry a guess made long after they were triaged.
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detected_language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("language_confidence", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("language_confidence")
        batch_op.drop_column("detected_language")
