"""the legal-triggers job: what it has read of case events, and the follow-ups it carried out (compliance/triggers)

Revision ID: 0037_legal_triggers
Revises: 0036_retention
"""

from collections.abc import Sequence

revision: str = "0037_legal_triggers"
down_revision: str | None = "0036_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work that owns it


def downgrade() -> None:
    pass
