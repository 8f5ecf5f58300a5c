"""Who is on call, when (pure): shifts of a layer, a schedule's effective shifts, coverage gaps.

All instants are aware UTC; hand-offs and hours are wall-clock times in each layer's zone, so a
07:00 hand-off stays at 07:00 local across daylight-saving changes (the shift that spans the
change is 23 or 25 hours long).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from watchfloor.oncall.schedules import END_OF_DAY, Layer, Schedule, to_utc


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{_iso(self.start)} → {_iso(self.end)}"


@dataclass(frozen=True)
class Shift:
    """``users`` are on call from ``start`` until ``end``; ``layer`` None means an override."""

    users: tuple[str, ...]
    start: datetime
    end: datetime
    layer: str | None


@dataclass(frozen=True)
class Override:
    """``user`` instead of ``replaces`` (None: instead of whoever is on call) in [start, end)."""

    user: str
    start: datetime
    end: datetime
    replaces: str | None = None


@dataclass(frozen=True)
class Overlap:
    start: datetime
    end: datetime
    layers: tuple[str, ...]

    def __str__(self) -> str:
        return f"{_iso(self.start)} → {_iso(self.end)} ({' and '.join(self.layers)})"


@dataclass(frozen=True)
class Coverage:
    """What the coverage check found over [start, end): every uncovered and doubly covered span."""

    start: datetime
    end: datetime
    gaps: list[Interval]
    overlaps: list[Overlap]

    @property
    def uncovered(self) -> timedelta:
        return sum((g.duration for g in self.gaps), timedelta(0))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    if end <= start:
        raise ValueError("end must be after start")


def _handoffs(layer: Layer, until: datetime) -> Iterator[datetime]:
    """Hand-off instants in order, ending with the first at or after ``until`` (if any)."""
    last: datetime | None = None
    for local in layer.rule:
        at = to_utc(local, layer.tz)
        if last is not None and at <= last:
            continue  # two wall times that a DST change maps to one instant: one hand-off
        last = at
        yield at
        if at >= until:
            return


def _hours(layer: Layer, start: datetime, end: datetime) -> list[Interval]:
    """The layer's restricted hours that touch [start, end), as merged UTC intervals."""
    day = start.astimezone(layer.tz).date() - timedelta(days=1)
    last_day = end.astimezone(layer.tz).date() + timedelta(days=1)
    windows: list[Interval] = []
    while day <= last_day:
        for hours in layer.covers_weekday(day):
            opens = datetime.combine(day, hours.start)
            if hours.end == END_OF_DAY:
                closes = datetime.combine(day + timedelta(days=1), hours.start.min)
            elif hours.end <= hours.start:
                closes = datetime.combine(day + timedelta(days=1), hours.end)
            else:
                closes = datetime.combine(day, hours.end)
            a, b = to_utc(opens, layer.tz), to_utc(closes, layer.tz)
            if b > a:
                windows.append(Interval(a, b))
        day += timedelta(days=1)
    return _merge(windows)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: i.start):
        if merged and iv.start <= merged[-1].end:
            if iv.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, iv.end)
        else:
            merged.append(iv)
    return merged


def layer_shifts(layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """The layer's turns that overlap [start, end), clipped to it and to the layer's hours."""
    _check_range(start, end)
    layer_end = to_utc(layer.end, layer.tz) if layer.end is not None else None
    raw: list[Shift] = []
    previous: datetime | None = None
    n = len(layer.participants)
    index = -1
    for at in _handoffs(layer, end):
        if previous is not None and at > start:
            user = layer.participants[index % n]
            raw.append(Shift((user,), max(previous, start), min(at, end), layer.name))
        previous, index = at, index + 1
        if at >= end:
            break
    else:
        # A finite recurrence ends the rotation at its last hand-off, unless an end is given.
        if previous is not None and layer_end is not None and previous < end:
            user = layer.participants[index % n]
            raw.append(Shift((user,), max(previous, start), min(layer_end, end), layer.name))
    if layer_end is not None:
        raw = [
            Shift(s.users, s.start, min(s.end, layer_end), s.layer)
            for s in raw
            if s.start < layer_end
        ]
    raw = [s for s in raw if s.end > s.start]
    if not layer.hours:
        return raw
    windows = _hours(layer, start, end)
    clipped = []
    for shift in raw:
        for w in windows:
            a, b = max(shift.start, w.start), min(shift.end, w.end)
            if a < b:
                clipped.append(Shift(shift.users, a, b, shift.layer))
    return clipped


class _Timeline:
    """One layer's shifts, searchable by instant."""

    def __init__(self, shifts: Sequence[Shift]) -> None:
        self.shifts = shifts
        self.starts = [s.start for s in shifts]

    def at(self, when: datetime) -> Shift | None:
        i = bisect_right(self.starts, when) - 1
        if i >= 0 and self.shifts[i].end > when:
            return self.shifts[i]
        return None


def _segments(
    schedule: Schedule, start: datetime, end: datetime, overrides: Sequence[Override]
) -> Iterator[tuple[datetime, datetime, tuple[str, ...], str | None, tuple[str, ...]]]:
    """(from, until, users, deciding layer, every layer with someone) for each elementary span."""
    timelines = [_Timeline(layer_shifts(layer, start, end)) for layer in schedule.layers]
    live = [o for o in overrides if o.start < end and o.end > start]
    points = {start, end}
    for tl in timelines:
        for s in tl.shifts:
            points.update((s.start, s.end))
    for o in live:
        points.update(t for t in (o.start, o.end) if start < t < end)
    ordered = sorted(points)
    for a, b in itertools.pairwise(ordered):
        found = [
            (tl.at(a), layer.name) for tl, layer in zip(timelines, schedule.layers, strict=True)
        ]
        present = tuple(name for shift, name in found if shift is not None)
        users: tuple[str, ...] = ()
        deciding: str | None = None
        for shift, name in reversed(found):  # the highest layer with someone decides
            if shift is not None:
                users, deciding = shift.users, name
                break
        for o in live:  # in the order given: a later override wins
            if o.start <= a < o.end:
                if o.replaces is None:
                    users, deciding = (o.user,), None
                elif o.replaces in users:
                    users = tuple(o.user if u == o.replaces else u for u in users)
                    deciding = None
        yield a, b, users, deciding, present


def schedule_shifts(
    schedule: Schedule, start: datetime, end: datetime, overrides: Sequence[Override] = ()
) -> list[Shift]:
    """The effective shifts over [start, end): layers stacked, overrides applied, gaps left out."""
    _check_range(start, end)
    shifts: list[Shift] = []
    for a, b, users, deciding, _present in _segments(schedule, start, end, overrides):
        if not users:
            continue
        last = shifts[-1] if shifts else None
        if last and last.end == a and last.users == users and last.layer == deciding:
            shifts[-1] = Shift(users, last.start, b, deciding)
        else:
            shifts.append(Shift(users, a, b, deciding))
    return shifts


def on_call_at(
    schedule: Schedule, at: datetime, overrides: Sequence[Override] = ()
) -> Shift | None:
    """The shift in effect at ``at`` (its start and end as far as the next hand-off), or None."""
    if at.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    # Look a week either side so the shift returned shows its real bounds, not a sliver.
    window = schedule_shifts(schedule, at - timedelta(days=8), at + timedelta(days=8), overrides)
    return next((s for s in window if s.start <= at < s.end), None)


def coverage(
    schedule: Schedule, start: datetime, end: datetime, overrides: Sequence[Override] = ()
) -> Coverage:
    """Exact spans in [start, end) with nobody on call, and where two or more layers both cover."""
    _check_range(start, end)
    gaps: list[Interval] = []
    overlaps: list[Overlap] = []
    for a, b, users, _deciding, present in _segments(schedule, start, end, overrides):
        if not users:
            if gaps and gaps[-1].end == a:
                gaps[-1] = Interval(gaps[-1].start, b)
            else:
                gaps.append(Interval(a, b))
        if len(present) > 1 and not schedule.allow_overlaps:
            if overlaps and overlaps[-1].end == a and overlaps[-1].layers == present:
                overlaps[-1] = Overlap(overlaps[-1].start, b, present)
            else:
                overlaps.append(Overlap(a, b, present))
    return Coverage(start, end, gaps, overlaps)
