"""The transactional outbox: events written with the change that caused them, delivered later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class WebhookEndpoint(Base):
    """A receiver of events, e.g. the enforcement system that carries out actions."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    # Standard Webhooks secret (whsec_…): the receiver verifies signatures with it.
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[str]] = mapped_column(default=list)  # empty: every event
    # standard: Standard Webhooks JSON envelope; slack: {text, blocks} for Slack incoming webhooks.
    format: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class OutboxEvent(Base):
    """One event, written in the transaction of the change it announces."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # receivers de-duplicate on it
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Delivery(Base):
    """One event to one endpoint: its attempts, its next try and how it ended."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_event_id", "endpoint_id"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        # A worker leases per receiver, and disabling a receiver cancels its pending deliveries.
        Index("ix_deliveries_endpoint_due", "endpoint_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # pending | delivered | dead | cancelled (the receiver was disabled before it was sent)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # A worker that took the delivery owns it until then; past it, another worker may retry.
    lease_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The start of the receiver's last answer: shown only to those who manage receivers, since a
    # receiver (or whatever its URL reached) may answer with things other readers must not see.
    last_response: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class OutboxEmail(Base):
    """One email, written in the transaction that caused it and sent by the worker over SMTP."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Message-ID: a retried send carries the same one, so mail systems can drop the repeat.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
