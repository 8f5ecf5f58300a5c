"""The compliance room's statements of reasons: one per restricting decision, as built, checked
and sent to the DSA Transparency Database (DSA Art. 17 and 24(5))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class StatementOfReasons(Base):
    """The statement of one decision. ``state``: invalid (it breaks a field rule: never sent,
    ``problems`` says which), ready (waiting to be sent), submitted (the Database holds it,
    ``database_id`` is its id), failed (the Database refused it or every attempt failed)."""

    __tablename__ = "statements_of_reasons"
    __table_args__ = (Index("ix_statements_of_reasons_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    puid: Mapped[str] = mapped_column(String(500), unique=True)
    body: Mapped[dict[str, Any]]
    problems: Mapped[list[str]] = mapped_column(default=list)
    user_text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    database_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]


class StatementWatermark(Base):
    """The last decision the statement job has looked at (decisions are read in id order)."""

    __tablename__ = "statement_watermark"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_decision_id: Mapped[int] = mapped_column(default=0)
