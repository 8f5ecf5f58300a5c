"""legal requests from authorities and regulators, their response packages (compliance/requests)

Revision ID: 0034_legal_requests
Revises: 0033_statements_of_reasons
"""

from collections.abc import Sequence

revision: str = "0034_legal_requests"
down_revision: str | None = "0033_statements_of_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # PLACEHOLDER: filled in by the work that owns it


def downgrade() -> None:
    pass
