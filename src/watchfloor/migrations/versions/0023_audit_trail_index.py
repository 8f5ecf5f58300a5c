"""audit trail index: an object's events by action and time from the index alone (the incident
timeline reads a hundred thousand events of its cases to show a page), replacing the index on
object_id alone, which it covers

Revision ID: 0023_audit_trail_index
Revises: 0022_incidents
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_audit_trail_index"
down_revision: str | None = "0022_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain statements, not batch mode: the audit table must never be copied and recreated.
    op.create_index(
        "ix_audit_events_object_action_at",
        "audit_events",
        ["object_id", "action", "occurred_at", "id"],
        unique=False,
    )
    op.drop_index("ix_audit_events_object_id", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_object_id", "audit_events", ["object_id"], unique=False)
    op.drop_index("ix_audit_events_object_action_at", table_name="audit_events")
