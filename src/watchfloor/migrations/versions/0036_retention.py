"""retention runs: what the daily retention job deleted or redacted (compliance/retention)

Revision ID: 0036_retention
Revises: 0035_appeals
"""

from collections.abc import Sequence

revision: str = "0036_retention"
down_revision: str | None = "0035_appeals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work that owns it


def downgrade() -> None:
    pass
