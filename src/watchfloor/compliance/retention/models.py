"""The retention job's run log: one row per daily run, with what it did per data type (counts
only, never the content) and the cutoffs it used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class RetentionRun(Base):
    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The UTC day it ran: unique, so two workers starting together run it once.
    day: Mapped[str] = mapped_column(String(10), unique=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    # data type -> rows deleted or redacted; data type -> ISO cutoff used
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cutoffs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    held_cases: Mapped[int] = mapped_column(default=0)  # cases skipped for a legal hold
