"""The audit log: append-only events chained by hash so an edit or deletion shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        # An object's trail (a case's history, an incident's timeline) from the index alone: the
        # timeline filters on the action and sorts by time before reading a page of rows.
        Index("ix_audit_events_object_action_at", "object_id", "action", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # global order of writing
    chain: Mapped[int]  # which of the CHAINS hash chains (see audit/chain.py)
    seq: Mapped[int]  # 1, 2, 3… within its chain, with no gaps
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))  # user:alice, system:intake
    action: Mapped[str] = mapped_column(String(64))  # case.opened, case.decided…
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How ``hash`` was made: 0 plain SHA-256 (events written before migration 0015), 1 HMAC-SHA256
    # under the audit key, which is never stored in the database (see audit/chain.py).
    seal: Mapped[int] = mapped_column(SmallInteger, server_default="0")


class AuditChainHead(Base):
    """One row per chain naming its last event; writers lock it to append in order."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the chain number
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
