"""The legal-triggers job's tables: how far it has read each stream of case events, and every
follow-up an obligation set off (config/obligations.yaml ``follow_ups`` and ``priority``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class TriggerWatermark(Base):
    """The last event of a stream ("reports", "decisions") the job has read, in id order.
    ``ran_at`` and ``full`` let the job run about once a minute, sooner while a backlog lasts."""

    __tablename__ = "legal_trigger_watermarks"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    ran_at: Mapped[datetime | None]
    full: Mapped[bool] = mapped_column(default=False)


class FollowUpRecord(Base):
    """One follow-up of one obligation on a case, once: ``state`` pending (waiting for the job,
    which has the configuration it needs), done or skipped (``result`` says why), and what it
    did (the incident, the hold, the obligation started, the copies found)."""

    __tablename__ = "legal_follow_ups"
    __table_args__ = (UniqueConstraint("case_obligation_id", "action", "argument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_obligation_id: Mapped[int] = mapped_column(
        ForeignKey("case_obligations.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    obligation_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # FollowUpAction, or "priority"
    argument: Mapped[str] = mapped_column(String(64), default="")  # severity, obligation, P0
    stage: Mapped[str] = mapped_column(String(8))  # started | met: what set it off
    state: Mapped[str] = mapped_column(String(16), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # who set it off
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
