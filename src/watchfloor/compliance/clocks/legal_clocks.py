"""Legal clocks (pure): from an obligation, when its event happened and what has happened since,
the due time, the warning time, the state at ``now`` and the time left.

Legal clocks run on calendar time, day and night: the law counts calendar days and months, not
office hours. Only a pause the obligation's own rules allow stops one; a pause moves the due time
later by exactly the time it lasted before the clock fell due. Times are timezone-aware; results
are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from watchfloor.compliance.clocks.obligations import Obligation, Span
from watchfloor.errors import Invalid
from watchfloor.sla.clocks import ALWAYS, Interval, add, merge

State = Literal["running", "paused", "warning", "breached", "met", "met_late", "expired"]
# What no longer needs anyone: a deadline done, a hold served, a window closed.
CLOSED_STATES: frozenset[State] = frozenset({"met", "met_late", "expired"})


class ClockRefused(Invalid):
    """A recorded step the obligation's rules do not allow (a late extension, a third renewal,
    a pause for a reason the law does not accept)."""

    code = "legal_clock_refused"


@dataclass(frozen=True)
class Pause:
    """The clock stopped for ``reason`` from ``start`` until ``end`` (None: still paused)."""

    reason: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class History:
    """What has happened to one obligation since its event, as recorded by ``now``.

    ``extended_at``: when the notice of an extension was sent (GDPR Art. 12(3)).
    ``renewals``: when each renewed request arrived (2703(f), EPOC-PR).
    ``response_due_at``: the date a subpoena, order or warrant gives.
    ``open_ended_at``: when a hold became open-ended (e-Evidence: production request confirmed).
    ``ended_at``: when the requester ended a hold early (no longer needed).
    ``done_at``: when the obligation was met (a hold: released).
    """

    pauses: Sequence[Pause] = ()
    extended_at: datetime | None = None
    renewals: Sequence[datetime] = ()
    response_due_at: datetime | None = None
    open_ended_at: datetime | None = None
    ended_at: datetime | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class Reading:
    """One obligation's clock at ``now``. ``due_at`` None: a hold kept open until released.
    ``left`` is negative once overdue and frozen at the completion time when done."""

    obligation_id: str
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    state: State
    left: timedelta | None
    priority: int | None = field(default=None, compare=False)


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC)


def _pauses(
    ob: Obligation, history: History, started_at: datetime, now: datetime
) -> list[Interval]:
    """The allowed pauses as intervals (an open one runs until ``now``), merged."""
    allowed = {rule.reason for rule in ob.pauses}
    out: list[Interval] = []
    for p in history.pauses:
        if p.reason not in allowed:
            rules = ", ".join(sorted(allowed)) or "none: the law sets no pause"
            raise ClockRefused(
                f"{ob.id} cannot pause for {p.reason!r}; its pause reasons are: {rules}"
            )
        start = max(_aware("pause start", p.start), started_at)
        end = now if p.end is None else min(_aware("pause end", p.end), now)
        if end > start:
            out.append((start, end))
    return merge(out)


def _elapsed(span: Span, start: datetime, pauses: Sequence[Interval]) -> datetime:
    """``span`` of running clock time after ``start``: calendar months first, then the pauses
    before that point added back."""
    return add(ALWAYS, start, span.after(start) - start, pauses)


def notice_deadline(
    ob: Obligation, started_at: datetime, history: History, now: datetime
) -> datetime:
    """The last moment the notice of an extension may be sent (paused time added)."""
    if ob.extension is None or ob.extension.notice_within is None:
        raise ClockRefused(f"{ob.id} cannot be extended: the law gives no extension")
    start = _aware("started_at", started_at)
    pauses = _pauses(ob, history, start, _aware("now", now))
    return _elapsed(ob.extension.notice_within, start, pauses)


def due_at(
    ob: Obligation, started_at: datetime, history: History, now: datetime
) -> datetime | None:
    """The due time (for a hold: its expiry; a window: its close), or None for a hold kept open.

    Raises ClockRefused for a step the rules do not allow, naming the rule and the times.
    """
    start, now = _aware("started_at", started_at), _aware("now", now)
    pauses = _pauses(ob, history, start, now)
    if ob.due.set_by == "request":
        if history.response_due_at is None:
            raise ClockRefused(
                f"{ob.id}: its due time comes from the request; record the response date"
            )
        due = _aware("response_due_at", history.response_due_at)
        if due < start:
            raise ClockRefused(
                f"{ob.id}: the response date {due.isoformat()} is before the request arrived"
            )
        due = add(ALWAYS, start, due - start, pauses)
    else:
        assert ob.due.within is not None  # the config refuses a law or internal target without it
        span = ob.due.within
        if history.extended_at is not None:
            span += _extension(ob, start, history.extended_at, pauses)
        due = _elapsed(span, start, pauses)
    due = _renew(ob, due, history.renewals)
    if history.ended_at is not None:
        due = min(due, _aware("ended_at", history.ended_at))
    if history.open_ended_at is not None:
        opened = _aware("open_ended_at", history.open_ended_at)
        if ob.open_ended_on is None:
            raise ClockRefused(f"{ob.id} cannot be kept open: it has no `open_ended_on` rule")
        if opened > due:
            raise ClockRefused(
                f"{ob.id}: {ob.open_ended_on} at {opened.isoformat()} came after the hold "
                f"expired at {due.isoformat()}"
            )
        return None
    return due


def _extension(
    ob: Obligation, start: datetime, noticed: datetime, pauses: Sequence[Interval]
) -> Span:
    ext = ob.extension
    if ext is None or ext.notice_within is None:
        raise ClockRefused(f"{ob.id} cannot be extended: the law gives no extension")
    noticed = _aware("extended_at", noticed)
    closes = _elapsed(ext.notice_within, start, pauses)
    if noticed > closes:
        raise ClockRefused(
            f"{ob.id}: extension refused: its notice was sent at {noticed.isoformat()}, after the "
            f"window to send it closed at {closes.isoformat()} ({ext.notice_within} from "
            f"{start.isoformat()}, paused time added)"
        )
    if noticed < start:
        raise ClockRefused(f"{ob.id}: extension notice at {noticed.isoformat()} predates the clock")
    return ext.by


def _renew(ob: Obligation, due: datetime, renewals: Sequence[datetime]) -> datetime:
    if not renewals:
        return due
    rule = ob.renewal
    if rule is None:
        raise ClockRefused(f"{ob.id} cannot be renewed: the law gives no renewal")
    if len(renewals) > rule.times:
        raise ClockRefused(
            f"{ob.id}: renewal refused: the law allows {rule.times} renewal(s), "
            f"{len(renewals)} were recorded"
        )
    for asked in sorted(_aware("renewal", r) for r in renewals):
        if asked > due:
            raise ClockRefused(
                f"{ob.id}: renewal refused: asked at {asked.isoformat()}, after the hold "
                f"expired at {due.isoformat()}"
            )
        due = rule.by.after(due)
    return due


def read(ob: Obligation, started_at: datetime, history: History, now: datetime) -> Reading:
    """The clock of ``ob`` started at ``started_at``, as it stands at ``now``."""
    start, at = _aware("started_at", started_at), _aware("now", now)
    due = due_at(ob, start, history, at)
    warn = None if due is None else max(start, due - ob.warn_before)
    done = None if history.done_at is None else _aware("done_at", history.done_at)
    paused = any(
        _aware("pause start", p.start) <= at and (p.end is None or _aware("pause end", p.end) > at)
        for p in history.pauses
    )
    state: State
    if ob.kind == "hold":
        if done is not None:
            state = "met" if due is None or done >= due else "breached"
        elif due is not None and at >= due:
            state = "expired"
        else:
            state = _open_state(due, warn, paused, at)
    elif ob.kind == "window":
        state = "expired" if due is not None and at >= due else _open_state(due, warn, paused, at)
    elif done is not None:
        state = "met" if due is None or done <= due else "met_late"
    elif due is not None and at >= due:
        state = "breached"
    else:
        state = _open_state(due, warn, paused, at)
    left = None if due is None else due - (done if done is not None else at)
    priority = None if ob.priority is None else int(ob.priority)
    return Reading(ob.id, start, due, warn, state, left, priority)


def _open_state(due: datetime | None, warn: datetime | None, paused: bool, at: datetime) -> State:
    if paused:
        return "paused"
    if warn is not None and due is not None and at >= warn:
        return "warning"
    return "running"


def soonest_first(readings: Iterable[Reading]) -> list[Reading]:
    """Open clocks, the one due soonest first; at equal times the higher priority (P0) first,
    then by obligation id so the order is stable. Open-ended holds come last; closed ones
    (met, met late, expired) are left out."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(
        (r for r in readings if r.state not in CLOSED_STATES),
        key=lambda r: (
            r.due_at or far,
            r.priority if r.priority is not None else 99,
            r.obligation_id,
            r.started_at,
        ),
    )
