"""Bring every open case's stored SLA due and warning times in line with the SLA config in force.

Due and warning times are stored when a clock changes (intake, pause, resume, a priority change),
so the sweep only reads the cases whose warning time has come. After config/sla.yaml changes the
stored times are stale until this runs (``watchfloor sla recompute``).

Most cases run on the 24x7 calendar, where a time is plain arithmetic: opened + paused + offset.
Those are updated set-based, one UPDATE per chunk of ids, with the offsets per harm area and
priority that the pure module gives (sla/policy.py stays the one source of the rules; tests check
both agree). Cases on a business-hours calendar, and those a legal clock caps, go through the pure
module row by row.
Only rows whose times change are written. Warned and breached markers are left as they are: a
breach that happened under the old targets stays recorded, and the sweep records what the new
times make due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Interval,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.cases.lifecycle import Status
from watchfloor.cases.models import Case
from watchfloor.db import Base, session_scope
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority

CLOCK_COLUMNS = ("first_action_due_at", "first_action_warn_at", "resolve_due_at", "resolve_warn_at")
_OPEN = Case.status.not_in([Status.RESOLVED.value, Status.CLOSED.value])
_CASES = Base.metadata.tables["cases"]


@dataclass(frozen=True)
class Recomputed:
    """What a recompute changed: rows written in SQL, rows read through the calendar module."""

    set_based: int
    calendar_read: int
    calendar_changed: int

    @property
    def changed(self) -> int:
        return self.set_based + self.calendar_changed

    def __add__(self, other: Recomputed) -> Recomputed:
        return Recomputed(
            self.set_based + other.set_based,
            self.calendar_read + other.calendar_read,
            self.calendar_changed + other.calendar_changed,
        )


def recompute_all(
    sessions: sessionmaker[Session], *, sla: SlaConfig, chunk: int = 50_000, batch: int = 5000
) -> Recomputed:
    """``recompute`` every open case, ``chunk`` ids per transaction (``watchfloor sla
    recompute``): a moved case stays locked, so claims skip it and changes to it wait, only
    until its chunk commits, not until the last of a million is done."""
    with session_scope(sessions) as session:
        top = session.scalar(select(func.max(_CASES.c.id))) or 0
    done = Recomputed(0, 0, 0)
    for low in range(0, top, chunk):
        with session_scope(sessions) as session:
            done += recompute(session, sla=sla, ids=(low, low + chunk), batch=batch)
    return done


def recompute(
    session: Session, *, sla: SlaConfig, ids: tuple[int, int] | None = None, batch: int = 5000
) -> Recomputed:
    """Recompute the four clock times of the open cases (with ``ids``, those with low < id <=
    high) from ``sla``; write those that moved."""
    offsets = {name: _offset(sla, i) for i, name in enumerate(CLOCK_COLUMNS)}
    within = true() if ids is None else and_(_CASES.c.id > ids[0], _CASES.c.id <= ids[1])
    written = _update_24x7(session, offsets, within)
    # Everything else: business-hours calendars (no offset), and legal clocks (which may cap).
    by_calendar = or_(_CASES.c.legal_due_at.is_not(None), offsets[CLOCK_COLUMNS[0]].is_(None))
    read, changed = _recompute_by_calendar(session, sla, and_(within, by_calendar), batch)
    return Recomputed(set_based=written, calendar_read=read, calendar_changed=changed)


def _offset(sla: SlaConfig, column: int) -> ColumnElement[Any]:
    """Per case, in microseconds: what the pure module adds to opened + paused for the clock
    time in CLOCK_COLUMNS[column] on a 24x7 calendar; NULL where the policy's calendar has hours.

    CASE priority WHEN … THEN (CASE harm_area WHEN <override> … ELSE <default> END) END: one or
    two comparisons a row, where a join on a table of policies made SQLite scan cases per policy.
    """
    policies = sla.policies()

    def micros(priority: Priority, area: str | None) -> int | None:
        policy = policies.get((area, priority)) or policies[(None, priority)]
        if not policy.calendar.always_open:
            return None
        fraction = sla.warning_fraction
        amount = (
            policy.first_action,
            policy.first_action * fraction,
            policy.resolution,
            policy.resolution * fraction,
        )[column]
        return amount // timedelta(microseconds=1)

    def value(amount: int | None) -> ColumnElement[Any]:
        return null() if amount is None else literal(amount, BigInteger())

    by_priority: dict[int, ColumnElement[Any]] = {}
    for priority in Priority:
        default = micros(priority, None)
        overrides = {
            area: amount
            for area, p in policies
            if area is not None and p == priority and (amount := micros(priority, area)) != default
        }
        by_priority[int(priority)] = (
            case(
                {a: value(v) for a, v in overrides.items()},
                value=_CASES.c.harm_area,
                else_=value(default),
            )
            if overrides
            else value(default)
        )
    return case(by_priority, value=_CASES.c.priority, else_=null())


def _update_24x7(
    session: Session, offsets: dict[str, ColumnElement[Any]], within: ColumnElement[bool]
) -> int:
    """One UPDATE of the open cases on a 24x7 calendar with no legal clock; how many moved."""
    paused_us = cast(func.round(_CASES.c.sla_paused_seconds * 1_000_000), BigInteger)
    if session.get_bind().dialect.name == "postgresql":
        us = literal_column("interval '1 microsecond'", Interval())
        new = {n: _CASES.c.created_at + (paused_us + off) * us for n, off in offsets.items()}
        moved = [_CASES.c[n].is_distinct_from(v) for n, v in new.items()]
    else:
        # SQLite keeps instants as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) text: compare whole
        # microseconds (reading text is cheaper than writing it), write text for what moved.
        start = _sqlite_micros(_CASES.c.created_at) + paused_us
        new = {n: _sqlite_text(start + off) for n, off in offsets.items()}
        moved = [_sqlite_micros(_CASES.c[n]) != start + off for n, off in offsets.items()]
    result = session.execute(
        update(_CASES)
        .where(
            within,
            _OPEN,
            _CASES.c.legal_due_at.is_(None),
            offsets[CLOCK_COLUMNS[0]].is_not(None),
            or_(*moved),
        )
        .values(new)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _sqlite_micros(text: ColumnElement[Any]) -> ColumnElement[int]:
    """Microseconds since the epoch of an instant SQLite keeps as text."""
    return func.unixepoch(func.substr(text, 1, 19)) * 1_000_000 + cast(
        func.substr(text, 21, 6), Integer
    )


def _sqlite_text(micros: ColumnElement[int]) -> ColumnElement[str]:
    """An instant given in microseconds since the epoch, as SQLite text like the ORM writes it."""
    seconds = func.strftime("%Y-%m-%d %H:%M:%S", micros // 1_000_000, "unixepoch")
    return seconds.op("||")(func.printf(".%06d", micros % 1_000_000))


def _recompute_by_calendar(
    session: Session, sla: SlaConfig, where: ColumnElement[bool], batch: int
) -> tuple[int, int]:
    """The pure module, case by case, for what is not plain arithmetic; (read, changed)."""
    c = _CASES.c
    query = (
        select(
            c.id,
            c.priority,
            c.harm_area,
            c.created_at,
            c.sla_paused_seconds,
            c.legal_due_at,
            *(c[n] for n in CLOCK_COLUMNS),
        )
        .where(_OPEN, where)
        .order_by(c.id)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # a concurrent pause or resume must not be overwritten
    write = (
        update(_CASES)
        .where(c.id == bindparam("_id"))
        .values({n: bindparam(f"new_{n}") for n in CLOCK_COLUMNS})
    )
    read = changed = 0
    last = 0
    while True:
        rows = session.execute(query.where(c.id > last)).all()
        if not rows:
            return read, changed
        moved: list[dict[str, Any]] = []
        for id_, priority, area, opened, paused, legal, *stored in rows:
            d = sla.deadlines(
                priority=priority,
                harm_area=area,
                opened_at=opened,
                paused=timedelta(seconds=paused),
                legal_due_at=legal,
            )
            new = (
                d.first_action_due_at,
                d.first_action_warn_at,
                d.resolve_due_at,
                d.resolve_warn_at,
            )
            if tuple(stored) != new:
                moved.append(
                    {"_id": id_, **{f"new_{n}": v for n, v in zip(CLOCK_COLUMNS, new, strict=True)}}
                )
        if moved:
            session.connection().execute(write, moved)
        read += len(rows)
        changed += len(moved)
        last = rows[-1][0]
