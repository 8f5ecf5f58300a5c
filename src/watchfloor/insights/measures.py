"""What the metrics page, the API and the weekly report show for a time range and a filter.

Plain values, no database: ``insights.service.metrics`` fills them from the summary tables the
worker keeps (and the raw rows of the range's partial days); the report and the pages only read
them. Durations are in seconds; a share is None when nothing was counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class MetricFilter:
    """Which cases count: each field narrows, None means every value."""

    harm_area: str | None = None
    source: str | None = None
    region: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Durations:
    """Percentiles of a duration (seconds) over ``count`` cases; None when count is 0."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None


@dataclass(frozen=True)
class Attainment:
    """Clocks that ended in the range: met in time or missed."""

    met: int
    missed: int

    @property
    def share(self) -> float | None:
        total = self.met + self.missed
        return self.met / total if total else None


@dataclass(frozen=True)
class Rate:
    """``count`` of ``of`` (e.g. reopened of decided), with a Wilson 95 % interval."""

    count: int
    of: int
    low: float | None
    high: float | None

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.of else None


@dataclass(frozen=True)
class Backlog:
    """Cases open at the end of the range and how long they have waited."""

    open: int
    age: Durations
    by_age: dict[str, int]  # "< 1 h", "1-4 h", "4-24 h", "1-7 d", "> 7 d"
    at: datetime | None = None  # the instant it is counted at


@dataclass(frozen=True)
class Day:
    """One UTC day of the range, for the charts."""

    day: date
    opened: int
    resolved: int
    first_action_met: int
    first_action_missed: int


@dataclass(frozen=True)
class Metrics:
    start: datetime
    end: datetime
    filter: MetricFilter
    # The summary tables hold everything up to this instant; later rows are read raw or, when
    # the worker is behind, not yet counted. The page says so.
    fresh_as_of: datetime | None
    opened: int
    volume: dict[str, dict[str, int]]  # "harm_area" / "source" / "region" / "language" → counts
    first_action: Durations
    resolution: Durations
    sla_first_action: Attainment
    sla_resolution: Attainment
    backlog: Backlog
    decisions: dict[str, int]  # policy id → decisions in the range
    violations: Rate  # decisions finding a violation, of all decisions
    actions: dict[str, int]  # action kind → count
    reopened: Rate  # cases reopened, of cases resolved
    overturned: Rate  # decisions changed after a reopen, of reopened cases decided again
    qa_accuracy: Rate  # QA reviews whose final verdict agreed with the analyst, of reviews
    days: list[Day] = field(default_factory=list)
    # What was asked for; start and end above are the whole UTC days counted.
    requested_start: datetime | None = None
    requested_end: datetime | None = None
    # When the backlog is counted: the earlier of ``end`` and ``fresh_as_of``.
    backlog_at: datetime | None = None
