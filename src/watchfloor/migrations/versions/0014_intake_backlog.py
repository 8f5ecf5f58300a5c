"""intake backlog: reports accepted with Prefer: respond-async, waiting for the worker's triage

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = watchfloor.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intake_backlog",
        sa.Column("id", INT, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(256), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", INT, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_backlog")),
        sa.UniqueConstraint(
            "source", "external_id", name=op.f("uq_intake_backlog_source_external_id")
        ),
    )
    op.create_index(
        op.f("ix_intake_backlog_next_attempt_at"), "intake_backlog", ["next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_backlog_next_attempt_at"), table_name="intake_backlog")
    op.drop_table("intake_backlog")
