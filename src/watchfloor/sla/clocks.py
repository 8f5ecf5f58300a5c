"""Business time on a calendar (pure): measure it between two instants, add it to an instant.

A calendar is either always open (24/7) or open during hours per weekday in an IANA time zone,
minus holidays. Hours are wall-clock times of that zone, so a day on which the clocks change is an
hour shorter or longer; arithmetic is done on UTC instants from there on. Pauses (for example while
a case waits on someone outside the team) are intervals that never count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
Window = tuple[timedelta, timedelta]  # (start, end) after local midnight; end may be 24:00

ZERO = timedelta(0)
FOREVER = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
# A calendar with no open hour within this many days is a configuration mistake, not a wait.
HORIZON_DAYS = 3660


# Compared and hashed by identity: a calendar is built once from config, and hashing its hours
# on every cached day lookup would cost more than the lookup saves.
@dataclass(frozen=True, eq=False)
class Calendar:
    """When an SLA clock runs: always (``tz`` None), or ``hours[weekday]`` windows minus holidays."""

    name: str = "24x7"
    tz: ZoneInfo | None = None
    hours: tuple[tuple[Window, ...], ...] = ()  # seven entries, Monday first
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return self.tz is None

    def open_from(self, start: datetime) -> Iterator[Interval]:
        """The open intervals (UTC) from ``start`` on, in order, the first one clipped to start."""
        if self.tz is None:
            yield start, FOREVER
            return
        day = start.astimezone(self.tz).date()
        for _ in range(HORIZON_DAYS):
            for a, b in _day_intervals(self, day):
                if b > start:
                    yield max(a, start), b
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.name!r} has no open time within {HORIZON_DAYS} days")


ALWAYS = Calendar()


@lru_cache(maxsize=65536)
def _day_intervals(cal: Calendar, day: date) -> tuple[Interval, ...]:
    if day in cal.holidays or cal.tz is None:
        return ()
    midnight = datetime.combine(day, time(0), tzinfo=cal.tz)
    # Aware + timedelta is wall-clock arithmetic in Python; astimezone resolves the offset of
    # that wall time (so 09:00 is 09:00 on both sides of a DST change).
    return tuple(
        ((midnight + s).astimezone(UTC), (midnight + e).astimezone(UTC))
        for s, e in cal.hours[day.weekday()]
    )


def merge(pauses: Iterable[Interval]) -> list[Interval]:
    """Pauses sorted and merged, empty ones dropped."""
    out: list[Interval] = []
    for a, b in sorted(p for p in pauses if p[1] > p[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _minus(intervals: Iterator[Interval], pauses: Sequence[Interval]) -> Iterator[Interval]:
    """``intervals`` (ordered) with merged, ordered ``pauses`` cut out."""
    i = 0
    for a, b in intervals:
        while i < len(pauses) and pauses[i][1] <= a:
            i += 1
        j = i
        while a < b:
            if j >= len(pauses) or pauses[j][0] >= b:
                yield a, b
                break
            pa, pb = pauses[j]
            if pa > a:
                yield a, pa
            a = max(a, pb)
            j += 1


def running(cal: Calendar, start: datetime, pauses: Sequence[Interval] = ()) -> Iterator[Interval]:
    """When the clock runs from ``start`` on: the calendar's open time minus the pauses."""
    return _minus(cal.open_from(start), merge(pauses)) if pauses else cal.open_from(start)


def business_time(
    cal: Calendar, start: datetime, end: datetime, pauses: Sequence[Interval] = ()
) -> timedelta:
    """How much clock time runs between ``start`` and ``end`` (zero if end is not later)."""
    if end <= start:
        return ZERO
    if cal.tz is None and not pauses:
        return end - start
    total = ZERO
    for a, b in running(cal, start, pauses):
        if a >= end:
            break
        total += min(b, end) - a
    return total


def add(
    cal: Calendar, start: datetime, amount: timedelta, pauses: Sequence[Interval] = ()
) -> datetime:
    """The earliest instant at which ``amount`` of clock time has run since ``start``."""
    if amount <= ZERO:
        return start
    if cal.tz is None and not pauses:
        return start + amount
    left = amount
    for a, b in running(cal, start, pauses):
        if b - a >= left:
            return a + left
        left -= b - a
    raise AssertionError("unreachable: open_from is endless or raises")  # pragma: no cover


def add_each(cal: Calendar, start: datetime, amounts: Sequence[timedelta]) -> list[datetime]:
    """``add(cal, start, amount)`` for each of ``amounts``, in one walk of the calendar (a
    case's four due and warning times share their start)."""
    out = [start] * len(amounts)
    if cal.tz is None:
        return [start + a if a > ZERO else start for a in amounts]
    pending = sorted((a, i) for i, a in enumerate(amounts) if a > ZERO)
    if not pending:
        return out
    k, walked = 0, ZERO  # the next amount to place; clock time run before interval (a, b)
    for a, b in cal.open_from(start):
        while pending[k][0] - walked <= b - a:
            out[pending[k][1]] = a + (pending[k][0] - walked)
            k += 1
            if k == len(pending):
                return out
        walked += b - a
    raise AssertionError("unreachable: open_from is endless or raises")  # pragma: no cover


def parse_window(text: str) -> Window:
    """``"09:00-17:30"`` as offsets after midnight; ``24:00`` may end a window."""
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start, end = _offset(start_text), _offset(end_text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a window of hours; write it like 09:00-17:30") from exc
    if start >= end:
        raise ValueError(f"{text!r}: a window must end after it starts")
    if start >= timedelta(hours=24):
        raise ValueError(f"{text!r}: a window must start before 24:00")
    return start, end


def _offset(text: str) -> timedelta:
    hours, minutes = text.split(":")
    if len(hours) not in (1, 2) or len(minutes) != 2:
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if not (0 <= m < 60 and (0 <= h < 24 or (h == 24 and m == 0))):
        raise ValueError(text)
    return timedelta(hours=h, minutes=m)


ClockState = Literal["ok", "warning", "breached", "paused", "met"]


def clock_state(
    *,
    due_at: datetime,
    warn_at: datetime,
    done_at: datetime | None,
    paused_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
) -> tuple[ClockState, timedelta]:
    """The state of one clock and its time remaining (negative once overdue; frozen when stopped)."""
    if done_at is not None:
        late = breached_at is not None or done_at > due_at
        return ("breached" if late else "met"), due_at - done_at
    if paused_at is not None:
        return ("breached" if breached_at else "paused"), due_at - paused_at
    if breached_at is not None or now >= due_at:
        return "breached", due_at - now
    return ("warning" if now >= warn_at else "ok"), due_at - now
