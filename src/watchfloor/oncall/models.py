"""On-call tables: overrides made through the API, pages and what happened to each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class OncallOverride(Base):
    """``user`` is on call instead of ``replaces`` (or instead of anyone) on ``schedule``."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_window", "schedule", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(64))
    replaces: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Page(Base):
    """A page: who must act, how far it has escalated, when it escalates next.

    ``open_key`` holds the dedup key while the page is open and NULL after it is resolved, so a
    unique constraint (NULLs never collide) allows one open page per key on both databases.
    """

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_due", "state", "next_escalation_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), index=True)
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    case_key: Mapped[str | None] = mapped_column(String(32))
    schedule: Mapped[str | None] = mapped_column(String(64))
    policy_name: Mapped[str] = mapped_column(String(64))
    # The policy as it was when the page started: editing the file never changes a live page.
    policy: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))  # triggered | acknowledged | resolved
    step: Mapped[int] = mapped_column(default=0)  # index into policy steps
    cycle: Mapped[int] = mapped_column(default=0)  # how many times the steps have run before
    next_escalation_at: Mapped[datetime | None]
    paged: Mapped[list[str]] = mapped_column(default=list)  # everyone paged so far
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class PageEvent(Base):
    """One thing that happened to a page: triggered, notified, escalated, acknowledged…"""

    __tablename__ = "page_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    step: Mapped[int | None]
    users: Mapped[list[str]] = mapped_column(default=list)
    detail: Mapped[str] = mapped_column(Text, default="")
