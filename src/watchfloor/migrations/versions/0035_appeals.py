"""DSA Art. 20 appeals against decisions and their outcomes (compliance/appeals)

Revision ID: 0035_appeals
Revises: 0034_legal_requests
"""

from collections.abc import Sequence

revision: str = "0035_appeals"
down_revision: str | None = "0034_legal_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work that owns it


def downgrade() -> None:
    pass
