"""on-call: overrides, pages and their events, the email outbox, webhook payload formats

Revision ID: 0009
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import watchfloor.db

revision: str = "0009"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = watchfloor.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "oncall_overrides",
        sa.Column("id", INT, nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("replaces", sa.String(64), nullable=True),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_overrides")),
    )
    op.create_index("ix_oncall_overrides_window", "oncall_overrides", ["schedule", "ends_at"])
    op.create_table(
        "pages",
        sa.Column("id", INT, nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("open_key", sa.String(200), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("case_key", sa.String(32), nullable=True),
        sa.Column("schedule", sa.String(64), nullable=True),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column("policy", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", INT, nullable=False),
        sa.Column("cycle", INT, nullable=False),
        sa.Column("next_escalation_at", TS, nullable=True),
        sa.Column("paged", JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("open_key", name=op.f("uq_pages_open_key")),
    )
    op.create_index("ix_pages_due", "pages", ["state", "next_escalation_at"])
    op.create_index(op.f("ix_pages_dedup_key"), "pages", ["dedup_key"])
    op.create_table(
        "page_events",
        sa.Column("id", INT, nullable=False),
        sa.Column("page_id", INT, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("step", INT, nullable=True),
        sa.Column("users", JSON, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_events_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_events")),
    )
    op.create_index(op.f("ix_page_events_page_id"), "page_events", ["page_id"])
    op.create_table(
        "outbox_emails",
        sa.Column("id", INT, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("to", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", INT, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_emails_message_id")),
    )
    op.create_index("ix_outbox_emails_due", "outbox_emails", ["status", "next_attempt_at"])
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("format", sa.String(16), server_default="standard", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("format")
    op.drop_table("outbox_emails")
    op.drop_table("page_events")
    op.drop_table("pages")
    op.drop_table("oncall_overrides")
