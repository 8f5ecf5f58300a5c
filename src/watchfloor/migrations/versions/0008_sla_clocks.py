"""sla clocks: warning times, pauses, legal cap and once-only warned/breached markers on cases

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in cases.models at this revision (a migration must not change when the model does).
FIRST_ACTION_RUNNING = (
    "first_action_at IS NULL AND first_action_breached_at IS NULL AND sla_paused_at IS NULL"
)
RESOLVE_RUNNING = "resolved_at IS NULL AND resolve_breached_at IS NULL AND sla_paused_at IS NULL"
TS = watchfloor.db.UTCDateTime(timezone=True)
MARKERS = (
    "first_action_warned_at",
    "first_action_breached_at",
    "resolve_warned_at",
    "resolve_breached_at",
)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_action_warn_at", TS, nullable=True))
        batch_op.add_column(sa.Column("resolve_warn_at", TS, nullable=True))
        batch_op.add_column(sa.Column("legal_due_at", TS, nullable=True))
        batch_op.add_column(sa.Column("sla_paused_at", TS, nullable=True))
        batch_op.add_column(
            sa.Column("sla_paused_seconds", sa.Double(), server_default="0", nullable=False)
        )
        for name in MARKERS:
            batch_op.add_column(sa.Column(name, TS, nullable=True))
    # Cases opened before clocks had warnings warn when they are due; the next resume or
    # priority change computes the real warning time.
    op.execute(
        "UPDATE cases SET first_action_warn_at = first_action_due_at,"
        " resolve_warn_at = resolve_due_at"
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("first_action_warn_at", existing_type=TS, nullable=False)
        batch_op.alter_column("resolve_warn_at", existing_type=TS, nullable=False)
        batch_op.create_index(
            "ix_cases_sla_first_action",
            ["first_action_warn_at"],
            unique=False,
            postgresql_where=sa.text(FIRST_ACTION_RUNNING),
            sqlite_where=sa.text(FIRST_ACTION_RUNNING),
        )
        batch_op.create_index(
            "ix_cases_sla_resolve",
            ["resolve_warn_at"],
            unique=False,
            postgresql_where=sa.text(RESOLVE_RUNNING),
            sqlite_where=sa.text(RESOLVE_RUNNING),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_sla_resolve")
        batch_op.drop_index("ix_cases_sla_first_action")
        for name in (*MARKERS, "sla_paused_seconds", "sla_paused_at", "legal_due_at"):
            batch_op.drop_column(name)
        batch_op.drop_column("resolve_warn_at")
        batch_op.drop_column("first_action_warn_at")
