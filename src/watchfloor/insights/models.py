"""The insights room's summary tables, kept by the worker's ``insights-rollup`` job.

``insight_cases`` and ``insight_events`` hold what each case contributes (its dimensions, the
UTC day of each thing that happened to it); ``insight_daily`` holds their counts per UTC day and
measure, for every combination of the four filters ("*" standing for any value), so a metric
over any range and filter reads (days x keys) rows. ``insight_rollup_state`` keeps the job's
watermarks and how fresh the figures are.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base

ANY = "*"  # a dimension summed over every value
NONE = "-"  # a case without a region or language


def dimension_indexes(prefix: str) -> list[Index]:
    """Three or four filters at once are counted from the per-case rows: each such combination
    has one of these as its prefix, so only the matching rows are read, not the whole range."""
    return [
        Index(f"{prefix}_area_source", "harm_area", "source", "region", "language"),
        Index(f"{prefix}_area_region", "harm_area", "region", "language"),
        Index(f"{prefix}_source_region", "source", "region", "language"),
    ]


class InsightCase(Base):
    """One case as the metrics count it (golden copies are left out)."""

    __tablename__ = "insight_cases"
    __table_args__ = (
        # The backlog at an instant: cases opened before it and not resolved by then.
        Index("ix_insight_cases_open_until", "open_until", "created_at"),
        *dimension_indexes("ix_insight_cases"),
    )

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    harm_area: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(35))
    created_at: Mapped[datetime]
    # Its final resolution, or far in the future while open (one index range finds the backlog).
    open_until: Mapped[datetime]
    created_day: Mapped[date] = mapped_column(Date, index=True)
    first_action_day: Mapped[date | None] = mapped_column(Date, index=True)
    first_action_bucket: Mapped[int | None]
    resolved_day: Mapped[date | None] = mapped_column(Date, index=True)
    resolution_bucket: Mapped[int | None]
    # When each SLA clock ended (met: done in time; missed: breached) and how.
    first_action_sla_day: Mapped[date | None] = mapped_column(Date, index=True)
    first_action_met: Mapped[bool | None]
    resolve_sla_day: Mapped[date | None] = mapped_column(Date, index=True)
    resolve_met: Mapped[bool | None]


class InsightEvent(Base):
    """Something a case may have many of: a decision, an action, a resolution, a reopen, a
    decision taken again after a reopen, one that changed (overturned), a QA verdict."""

    __tablename__ = "insight_events"
    __table_args__ = tuple(dimension_indexes("ix_insight_events"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    measure: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    harm_area: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(35))


class InsightQa(Base):
    """A reviewed QA sample's outcome: did the final verdict agree with the analyst? Counted on
    the day of the decision reviewed."""

    __tablename__ = "insight_qa"

    decision_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    agrees: Mapped[bool]


class InsightDaily(Base):
    """Counts per UTC day, measure and key, for one combination of filter values."""

    __tablename__ = "insight_daily"

    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    harm_area: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int]


class InsightRollupState(Base):
    """The rollup's progress: cases changed up to (``at``, ``last_id``) and QA verdicts up to
    ``at`` are counted; ``fresh_as_of`` is when the last run that caught up began."""

    __tablename__ = "insight_rollup_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime | None]
    last_id: Mapped[int] = mapped_column(default=0)
    fresh_as_of: Mapped[datetime | None]
    # When the first full reading (by id, ``at`` still None) began: changes from then on are
    # read again by their time once it is done.
    started_at: Mapped[datetime | None]


class InsightDirtyDay(Base):
    """A UTC day whose daily counts must be recomputed: written in the same transaction as the
    case rows that changed it, cleared when its counts are rebuilt (a crash loses no day)."""

    __tablename__ = "insight_dirty_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
