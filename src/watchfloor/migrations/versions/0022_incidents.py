"""incidents: escalations bigger than one case, with linked cases, roles and their hand-overs,
manual timeline entries, key flags on audit events, stakeholder updates and tasks

Revision ID: 0022_incidents
Revises: 0021_console_preferences
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import watchfloor.db

revision: str = "0022_incidents"
down_revision: str | None = "0021_console_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("harm_area", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detected_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("declared_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(length=100), nullable=False),
        sa.Column("mitigated_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_update_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_update_due_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_for", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "channels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("impact_note", sa.Text(), nullable=False),
        sa.Column("went_well", sa.Text(), nullable=False),
        sa.Column("went_badly", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_next_update_due_at"), ["next_update_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)

    op.create_table(
        "incident_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_entries_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_entries")),
    )
    with op.batch_alter_table("incident_entries", schema=None) as batch_op:
        batch_op.create_index("ix_incident_entries_incident", ["incident_id", "at"], unique=False)

    op.create_table(
        "incident_key_events",
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "audit_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_key_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "audit_event_id", name=op.f("pk_incident_key_events")
        ),
    )
    op.create_table(
        "incident_roles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("active_key", sa.String(length=64), nullable=True),
        sa.Column("assigned_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("ended_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.Column("page_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_roles_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_roles")),
        sa.UniqueConstraint("active_key", name=op.f("uq_incident_roles_active_key")),
    )
    with op.batch_alter_table("incident_roles", schema=None) as batch_op:
        batch_op.create_index("ix_incident_roles_incident", ["incident_id", "role"], unique=False)

    op.create_table(
        "incident_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("due_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action_item", sa.Boolean(), nullable=False),
        sa.Column("created_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("done_at", watchfloor.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
    )
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_incident_tasks_incident", ["incident_id", "status"], unique=False)

    op.create_table(
        "incident_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "channels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_updates_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_updates")),
    )
    with op.batch_alter_table("incident_updates", schema=None) as batch_op:
        batch_op.create_index("ix_incident_updates_incident", ["incident_id", "at"], unique=False)

    op.create_table(
        "incident_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_key", sa.String(length=32), nullable=False),
        sa.Column("linked_at", watchfloor.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_incident_cases_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_cases_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_cases")),
        sa.UniqueConstraint(
            "incident_id", "case_id", name=op.f("uq_incident_cases_incident_id_case_id")
        ),
    )
    with op.batch_alter_table("incident_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_cases_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_incident_cases_incident_key", ["incident_id", "case_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_cases_incident_key")
        batch_op.drop_index(batch_op.f("ix_incident_cases_case_id"))

    op.drop_table("incident_cases")
    with op.batch_alter_table("incident_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_updates_incident")

    op.drop_table("incident_updates")
    with op.batch_alter_table("incident_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_tasks_incident")

    op.drop_table("incident_tasks")
    with op.batch_alter_table("incident_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_roles_incident")

    op.drop_table("incident_roles")
    op.drop_table("incident_key_events")
    with op.batch_alter_table("incident_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_entries_incident")

    op.drop_table("incident_entries")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_next_update_due_at"))

    op.drop_table("incidents")
