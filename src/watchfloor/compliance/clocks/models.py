"""Compliance tables: the legal obligations a case carries, each with the facts its clock is
computed from (compliance/clocks/legal_clocks.py), and the pauses of those clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class CaseObligation(Base):
    """One obligation a case carries (config/obligations.yaml names it) and its clock.

    ``due_at``, ``warn_at`` and ``state`` are the clock as last read (on every recorded step and
    by the sweep); the facts below them are what it is read from. ``warn_at`` is None where the
    obligation gives no warning, ``due_at`` None for a hold kept open. ``warned_at`` and
    ``breached_at`` say a warning or breach was announced, so each goes out once per due time.
    """

    __tablename__ = "case_obligations"
    __table_args__ = (
        # The sweep's question: open clocks whose warning or due time has come.
        Index("ix_case_obligations_open_due", "state", "due_at"),
        Index("ix_case_obligations_open_warn", "state", "warn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    obligation_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16))  # legal_clocks.State
    # The history legal_clocks reads (its History), beside the pauses' own table.
    response_due_at: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    renewals: Mapped[list[str]] = mapped_column(default=list)  # ISO times the requests came
    done_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseObligationPause(Base):
    """A stop of an obligation's clock for a reason its rules allow; ``ended_at`` None while
    it lasts. Who paused and resumed it is kept, as the law asks for the reason and who set it."""

    __tablename__ = "case_obligation_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_obligation_id: Mapped[int] = mapped_column(
        ForeignKey("case_obligations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(64))  # one of the obligation's pause reasons
    started_at: Mapped[datetime]
    started_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(100))
    end_note: Mapped[str] = mapped_column(Text, default="")  # what resumed it
