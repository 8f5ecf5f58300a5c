"""What the second look keeps per report: that it was looked at, by which model, and what came of it.

A row per report is also the job's progress marker: a report without one is still to be looked
at (see flows.py), so each is looked at once and none is passed over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class SecondLook(Base):
    """The second look at one report.

    ``outcome`` is one of: ``skipped`` (the first stage was sure, or nothing the second stage
    could find would make the report more urgent; no model ran), ``agreed`` (the second stage
    placed it no more urgently), ``raised`` (its case was made more urgent), ``unchanged`` (the
    second stage placed it more urgently but its case was not changed: already as urgent, in an
    analyst's hands, or closed; ``reason`` says which) and ``failed`` (the model could not score
    this text).
    """

    __tablename__ = "report_second_looks"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    looked_at: Mapped[datetime]  # when its priority became final
    outcome: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[dict[str, Any] | None]
