"""The obligations a case carries: start a clock, record what happens to it, read the open ones,
and sweep them for warnings and breaches (the worker's ``legal-clocks`` job).

Every step is checked by the pure clock maths (legal_clocks) on the history it would make
before anything is written, so a step the law does not allow is a 422 that changes nothing.
Every change is audited on the case; services never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES, ClockRefused, Pause, read
from watchfloor.compliance.clocks.models import CaseObligation, CaseObligationPause
from watchfloor.compliance.clocks.obligations import Obligation, ObligationsConfig
from watchfloor.compliance.clocks.readings import (
    Carried,
    about,
    carried,
    field_error,
    history_of,
    iso,
    obligation_or_422,
    pauses_of,
    soonest,
    store,
)
from watchfloor.compliance.triggers import follow_ups
from watchfloor.db import session_scope, writers_take_turns
from watchfloor.errors import Conflict, NotFound
from watchfloor.notify import service as notify

log = logging.getLogger("watchfloor.compliance")
SWEEP_ACTOR = "system:legal-clocks"
# What the sweep can still move on: a clock that has not fallen due or been paused.
SWEPT_STATES = ("running", "warning")
OPEN_STATES = ("running", "paused", "warning", "breached")


def start(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    *,
    case_id: int,
    obligation_id: str,
    started_at: datetime | None = None,
    response_due_at: datetime | None = None,
    actor: str,
    follow_up: follow_ups.FollowUpConfig | None = None,
) -> CaseObligation:
    """Start ``obligation_id``'s clock on a case, from ``started_at`` (default: now), and do
    its follow-ups set off on a start (those needing ``follow_up`` wait for the worker without it).

    422 naming the field for an unknown obligation, a start in the future or before the law was
    in force, a response date missing where the request sets the due time (or given where it
    does not); 409 when the case already carries it open.
    """
    ob = obligation_or_422(config, obligation_id)
    now = clock.now()
    start_at = (started_at or now).astimezone(UTC)
    if start_at > now:
        raise field_error(
            "started_at",
            f"{start_at.isoformat()} is in the future; the clock runs from when the event happened",
        )
    if not ob.in_force(start_at):
        raise field_error(
            "started_at",
            f"{ob.id} applies from {ob.in_force_from}; an event on "
            f"{start_at.date()} starts no clock",
        )
    if ob.due.set_by == "request" and response_due_at is None:
        raise field_error("response_due_at", f"{ob.id} is due when the request says: give its date")
    if ob.due.set_by != "request" and response_due_at is not None:
        raise field_error(
            "response_due_at",
            f"{ob.id}'s due time is set by {ob.due.set_by}, not by the request: leave it out",
        )
    for other in for_case(session, config, now, case_id=case_id):
        if other.row.obligation_id == ob.id and other.reading.state not in CLOSED_STATES:
            raise Conflict(
                f"{case_key(case_id)} already carries {ob.id} (obligation {other.row.id}, "
                f"{other.reading.state}); record steps on it instead"
            )
    row = CaseObligation(
        case_id=case_id,
        obligation_id=ob.id,
        started_at=start_at,
        response_due_at=response_due_at,
        renewals=[],
        created_by=actor,
        created_at=now,
    )
    try:
        reading = read(ob, start_at, history_of(row, []), now)
    except ClockRefused as exc:
        exc.fields = exc.fields or [{"loc": ["body", "response_due_at"], "msg": exc.message}]
        raise
    row.warned_at = row.breached_at = None
    store(row, ob, reading, now)
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="obligation.started",
        object_type="case",
        object_id=case_key(case_id),
        after={**about(row, ob), "warn_at": iso(row.warn_at)},
    )
    follow_ups.carry_out(
        session, clock, config, row=row, obligation=ob, when="started", context=follow_up,
        actor=actor,
    )  # fmt: skip
    return row


def get_or_raise(
    session: Session, *, row_id: int, case_id: int, for_update: bool = False
) -> CaseObligation:
    """An obligation of this case (404 when it is another case's or none)."""
    stmt = select(CaseObligation).where(
        CaseObligation.id == row_id, CaseObligation.case_id == case_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"{case_key(case_id)} carries no obligation {row_id}")
    return row


def record_step(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    *,
    case_id: int,
    row_id: int,
    step: str,
    reason: str | None = None,
    at: datetime | None = None,
    actor: str,
    follow_up: follow_ups.FollowUpConfig | None = None,
) -> CaseObligation:
    """Record ``step`` (pause, resume, extend, renew, met) on an obligation at ``at`` (default:
    now). The history it makes is read first: a step the law does not allow is a 422 naming the
    rule, and nothing is written; a step the clock's state rules out is a 409. ``met`` does the
    follow-ups set off when it is met (see ``start`` for ``follow_up``)."""
    row = get_or_raise(session, row_id=row_id, case_id=case_id, for_update=True)
    ob = obligation_or_422(config, row.obligation_id)
    now = clock.now()
    when = (at or now).astimezone(UTC)
    if when > now:
        raise field_error(
            "at", f"{when.isoformat()} is in the future; record steps once they happen"
        )
    if when < row.started_at:
        raise field_error("at", f"{when.isoformat()} is before the clock started")
    if row.done_at is not None:
        raise Conflict(f"obligation {row.id} ({ob.id}) was met at {row.done_at.isoformat()}")
    pauses = pauses_of(session, [row.id])[row.id]
    open_pause = next((p for p in pauses if p.ended_at is None), None)
    note = (reason or "").strip()
    changes: dict[str, Any] = {}
    if step == "pause":
        if open_pause is not None:
            raise Conflict(f"obligation {row.id} is already paused ({open_pause.reason})")
        if not note:
            allowed = ", ".join(r.reason for r in ob.pauses) or "none"
            raise field_error("reason", f"say why the clock stops; {ob.id} allows: {allowed}")
        changes["pauses"] = (
            *history_of(row, pauses).pauses,
            Pause(note, when, None),
        )
    elif step == "resume":
        if open_pause is None:
            raise Conflict(f"obligation {row.id} is not paused")
        if when < open_pause.started_at:
            raise field_error("at", "a pause cannot end before it began")
        changes["pauses"] = tuple(
            Pause(p.reason, p.started_at, when if p is open_pause else p.ended_at) for p in pauses
        )
    elif step == "extend":
        if row.extended_at is not None:
            raise Conflict(f"obligation {row.id} was already extended at {iso(row.extended_at)}")
        if ob.extension is not None and ob.extension.reasons_required and not note:
            raise field_error("reason", "an extension needs its reasons: they go to the requester")
        changes["extended_at"] = when
    elif step == "renew":
        changes["renewals"] = (*history_of(row, pauses).renewals, when)
    elif step == "met":
        changes["done_at"] = when
    else:
        raise field_error(
            "step", f"unknown step {step!r}; steps: pause, resume, extend, renew, met"
        )
    try:
        reading = read(ob, row.started_at, history_of(row, pauses, **changes), now)
    except ClockRefused as exc:
        exc.fields = exc.fields or [{"loc": ["body", "step"], "msg": exc.message}]
        raise
    before = {"state": row.state, "due_at": iso(row.due_at)}
    if step == "pause":
        session.add(
            CaseObligationPause(
                case_obligation_id=row.id,
                reason=note,
                started_at=when,
                started_by=actor,
            )
        )
    elif step == "resume" and open_pause is not None:
        open_pause.ended_at, open_pause.ended_by, open_pause.end_note = when, actor, note
    elif step == "extend":
        row.extended_at, row.extension_reason = when, note or None
    elif step == "renew":
        row.renewals = [*row.renewals, when.isoformat()]
    elif step == "met":
        row.done_at = when
    store(row, ob, reading, now)
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"obligation.{STEP_ACTIONS[step]}",
        object_type="case",
        object_id=case_key(case_id),
        before=before,
        after={**about(row, ob), "step": step, "at": when.isoformat(), "reason": note or None},
    )
    session.flush()
    if step == "met":
        follow_ups.carry_out(
            session, clock, config, row=row, obligation=ob, when="met", context=follow_up,
            actor=actor,
        )  # fmt: skip
    return row


STEP_ACTIONS = {
    "pause": "paused",
    "resume": "resumed",
    "extend": "extended",
    "renew": "renewed",
    "met": "met",
}


def for_case(
    session: Session, config: ObligationsConfig, now: datetime, *, case_id: int
) -> list[Carried]:
    """Every obligation of a case, read at ``now``: open ones soonest first, then closed ones."""
    rows = session.scalars(
        select(CaseObligation).where(CaseObligation.case_id == case_id).order_by(CaseObligation.id)
    ).all()
    pauses = pauses_of(session, [r.id for r in rows])
    found = [carried(config, r, pauses[r.id], now) for r in rows]
    return soonest(found) + [c for c in found if c.reading.state in CLOSED_STATES]


def list_open(
    session: Session,
    config: ObligationsConfig,
    now: datetime,
    *,
    states: Sequence[str] | None = None,
    limit: int = 500,
) -> list[Carried]:
    """Open obligations of every case, read at ``now``, the one due soonest first (at equal
    times the higher priority); ``states`` keeps only those in one of them."""
    rows = session.scalars(
        select(CaseObligation)
        .where(CaseObligation.state.in_(OPEN_STATES))
        .order_by(CaseObligation.due_at.is_(None), CaseObligation.due_at, CaseObligation.id)
        .limit(limit)
    ).all()
    pauses = pauses_of(session, [r.id for r in rows])
    found = soonest([carried(config, r, pauses[r.id], now) for r in rows])
    return [c for c in found if not states or c.reading.state in states]


def _due_rows(session: Session, now: datetime, *, limit: int) -> list[CaseObligation]:
    """Up to ``limit`` running clocks with a warning or breach to record, locked."""
    query = select(CaseObligation).where(
        CaseObligation.state.in_(SWEPT_STATES),
        or_(
            and_(CaseObligation.warn_at <= now, CaseObligation.warned_at.is_(None)),
            and_(CaseObligation.due_at <= now, CaseObligation.breached_at.is_(None)),
        ),
    )
    if not writers_take_turns(session):
        query = query.order_by(CaseObligation.id)  # concurrent sweeps lock in one order
    return list(
        session.scalars(
            query.limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
    )


def sweep(session: Session, clock: Clock, config: ObligationsConfig, *, limit: int = 500) -> int:
    """Read every open clock whose warning or due time has passed, keep its new state, and
    announce each warning and breach once (an outbox event and an audit event); a hold or
    window that ran out is recorded as expired. How many were recorded."""
    now = clock.now()
    rows = _due_rows(session, now, limit=limit)
    pauses = pauses_of(session, [r.id for r in rows])
    done = 0
    for row in rows:
        read_now = carried(config, row, pauses[row.id], now)
        ob = read_now.obligation
        if ob is None or read_now.stale:
            continue  # not readable under today's configuration: logged when read
        state = read_now.reading.state
        store(row, ob, read_now.reading, now)
        if state == "breached" and row.breached_at is None:
            row.breached_at = now
            row.warned_at = row.warned_at or now  # a late sweep announces the breach alone
            _announce(session, clock, row, ob, "breached")
        elif state == "warning" and row.warned_at is None:
            row.warned_at = now
            _announce(session, clock, row, ob, "warning")
        elif state == "expired":
            _announce(session, clock, row, ob, "expired")
        else:
            continue
        done += 1
    return done


def _announce(
    session: Session, clock: Clock, row: CaseObligation, ob: Obligation, what: str
) -> None:
    now = clock.now()
    data = {
        **about(row, ob),
        "warn_at": iso(row.warn_at),
        "left_seconds": None if row.due_at is None else int((row.due_at - now).total_seconds()),
        "notify": list(ob.notify),
        "if_late": ob.if_late if what == "breached" else None,
        "law_url": ob.law.url,
    }
    log.log(
        logging.WARNING if what == "breached" else logging.INFO,
        "legal clock %s",
        what,
        extra={"case": data["case"], "obligation": ob.id},
    )
    audit.record(
        session,
        at=now,
        actor=SWEEP_ACTOR,
        action=f"obligation.{what}",
        object_type="case",
        object_id=data["case"],
        after=data,
    )
    if what != "expired":  # a hold or window running out is nobody's failure: no event
        notify.enqueue(session, clock, event_type=f"obligation.{what}", data=data)


def sweep_once(sessions: sessionmaker[Session], clock: Clock, config: ObligationsConfig) -> int:
    """One batch of the sweep in its own transaction (the worker's ``legal-clocks`` job)."""
    with session_scope(sessions) as session:
        return sweep(session, clock, config)
