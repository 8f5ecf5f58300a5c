"""Bring every open case's stored SLA due and warning times in line with the SLA config in force.

Due and warning times are stored when a clock changes (intake, pause, resume, a priority change),
so the sweep only reads the cases whose warning time has come. After config/sla.yaml changes the
stored times are stale until this runs (``watchfloor sla recompute``).

Most cases run on the 24x7 calendar, where a time is plain arithmetic: opened + paused + offset.
Those are updated by one set-based statement whose offsets per harm area and priority come from
the pure module (queues/sla.py stays the one source of the rules; tests check both agree). Cases
on a business-hours calendar, and those a legal clock caps, go through the pure module row by row.
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
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from watchfloor.cases.lifecycle import Status
from watchfloor.cases.models import Case
from watchfloor.db import Base
from watchfloor.queues.sla import Policy, SlaConfig

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


def recompute(session: Session, *, sla: SlaConfig, batch: int = 5000) -> Recomputed:
    """Recompute the four clock times of every open case from ``sla``; write those that moved."""
    policies = sla.policies()
    overridden = sorted({area for area, _ in policies if area is not None})
    # The policy a case follows: its harm area's override, else the default ('') of its priority.
    key = (
        case((_CASES.c.harm_area.in_(overridden), _CASES.c.harm_area), else_="")
        if overridden
        else literal("")
    )
    on_24x7 = [
        (area or "", int(priority), *(_micros(o) for o in _offsets(policy, sla.warning_fraction)))
        for (area, priority), policy in policies.items()
        if policy.calendar.always_open
    ]
    written = 0
    if on_24x7:
        written = _update_24x7(session, key, on_24x7)
    # Everything else: business-hours calendars, and legal clocks (which may cap a due time).
    by_calendar = or_(
        _CASES.c.legal_due_at.is_not(None),
        not_(tuple_(key, _CASES.c.priority).in_([(a, p) for a, p, *_ in on_24x7]))
        if on_24x7
        else true(),
    )
    read, changed = _recompute_by_calendar(session, sla, by_calendar, batch)
    return Recomputed(set_based=written, calendar_read=read, calendar_changed=changed)


def _offsets(policy: Policy, fraction: float) -> tuple[timedelta, ...]:
    """What the pure module adds to opened + paused on a 24x7 calendar, in CLOCK_COLUMNS order."""
    return (
        policy.first_action,
        policy.first_action * fraction,
        policy.resolution,
        policy.resolution * fraction,
    )


def _micros(amount: timedelta) -> int:
    return amount // timedelta(microseconds=1)


def _update_24x7(session: Session, key: ColumnElement[str], policies: list[tuple[Any, ...]]) -> int:
    """One UPDATE … FROM (VALUES policies) of the open 24x7 cases with no legal clock."""
    # A derived table of a few rows (SQLite cannot name the columns of a VALUES list).
    names = ("area", "priority", *(f"{n}_us" for n in CLOCK_COLUMNS))
    types: tuple[TypeEngine[Any], ...] = (
        String(),
        Integer(),
        *(BigInteger(),) * len(CLOCK_COLUMNS),
    )
    p = union_all(
        *(
            select(*(literal(v, t).label(n) for v, t, n in zip(row, types, names, strict=True)))
            for row in policies
        )
    ).subquery("policy")
    paused_us = cast(func.round(_CASES.c.sla_paused_seconds * 1_000_000), BigInteger)
    if session.get_bind().dialect.name == "postgresql":
        us = literal_column("interval '1 microsecond'", Interval())
        new = {n: _CASES.c.created_at + (paused_us + p.c[f"{n}_us"]) * us for n in CLOCK_COLUMNS}
    else:
        # SQLite keeps instants as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) text; count microseconds.
        created = _CASES.c.created_at
        start = (
            func.unixepoch(func.substr(created, 1, 19)) * 1_000_000
            + cast(func.substr(created, 21, 6), Integer)
            + paused_us
        )
        new = {n: _sqlite_text(start + p.c[f"{n}_us"]) for n in CLOCK_COLUMNS}
    result = session.execute(
        update(_CASES)
        .where(
            _CASES.c.priority == p.c.priority,
            key == p.c.area,
            _OPEN,
            _CASES.c.legal_due_at.is_(None),
            or_(*(_CASES.c[n].is_distinct_from(v) for n, v in new.items())),
        )
        .values(new)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


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
