"""audit: keyed seal (HMAC-SHA256 under a key kept outside the database)

Events already written keep their plain SHA-256 hash and are marked seal 0, so they still verify;
every event written from now on is sealed with the audit key (seal 1). The verifier accepts plain
events only before the first keyed one of their chain, so a keyed event cannot be rewritten as a
plain one.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seal", sa.SmallInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("seal")
