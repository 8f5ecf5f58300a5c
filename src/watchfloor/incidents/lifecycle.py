"""The incident lifecycle and what is measured from it (pure: no database).

active → mitigated → resolved → closed. A step may be skipped (an incident can be resolved
without a separate mitigation), and a mitigated or resolved incident may go back to active when
the harm returns; a closed incident is the record and never changes state again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    ACTIVE = "active"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


ORDER = (Status.ACTIVE, Status.MITIGATED, Status.RESOLVED, Status.CLOSED)
# Updates are owed to stakeholders while the harm is live.
UPDATES_OWED = frozenset({Status.ACTIVE, Status.MITIGATED})
OPEN = frozenset({Status.ACTIVE, Status.MITIGATED, Status.RESOLVED})


def allowed_next(current: Status) -> list[Status]:
    """The states ``current`` may move to: any later one, or back to active (reopened)."""
    if current is Status.CLOSED:
        return []
    later = list(ORDER[ORDER.index(current) + 1 :])
    return later if current is Status.ACTIVE else [Status.ACTIVE, *later]


def why_not(current: Status, target: Status) -> str | None:
    """Why ``current`` may not move to ``target``; None when it may."""
    if target in allowed_next(current):
        return None
    if current is target:
        return f"the incident is already {current.value}"
    if current is Status.CLOSED:
        return "the incident is closed: its record no longer changes state"
    return f"an incident that is {current.value} may move to " + " or ".join(
        s.value for s in allowed_next(current)
    )


@dataclass(frozen=True)
class Times:
    detected_at: datetime
    declared_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Metrics:
    """Durations, None while the step has not happened."""

    time_to_declare: timedelta
    time_to_mitigate: timedelta | None  # from declaration
    time_to_resolve: timedelta | None  # from declaration
    time_to_close: timedelta | None  # from declaration
    detection_to_resolve: timedelta | None


def metrics(t: Times) -> Metrics:
    def since_declared(at: datetime | None) -> timedelta | None:
        return None if at is None else at - t.declared_at

    return Metrics(
        time_to_declare=max(t.declared_at - t.detected_at, timedelta(0)),
        time_to_mitigate=since_declared(t.mitigated_at),
        time_to_resolve=since_declared(t.resolved_at),
        time_to_close=since_declared(t.closed_at),
        detection_to_resolve=None if t.resolved_at is None else t.resolved_at - t.detected_at,
    )


def stamps_for(target: Status, at: datetime, times: Times) -> dict[str, datetime | None]:
    """The time columns a move to ``target`` at ``at`` sets. Skipping mitigation leaves it
    empty (it never happened as a step); reopening clears what no longer holds."""
    if target is Status.ACTIVE:
        return {"mitigated_at": None, "resolved_at": None}
    if target is Status.MITIGATED:
        return {"mitigated_at": at, "resolved_at": None}
    if target is Status.RESOLVED:
        return {"resolved_at": at}
    return {"closed_at": at, "resolved_at": times.resolved_at or at}


def next_update_due(status: Status, last: datetime, every: timedelta) -> datetime | None:
    """When stakeholders must next hear from the incident; None once none is owed."""
    return last + every if status in UPDATES_OWED else None


def describe(delta: timedelta | None) -> str:
    """A duration for people: ``2h 05m``, ``45m``, ``3d 4h``; an em dash when unknown."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"
