"""The SLA sweep: warnings and breaches of running clocks, and the escalation a breach brings.

Each warning and each breach happens once per case and clock: the sweep sets the clock's marker
in the same transaction as the audited event and the outbox events, on rows it holds locked
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite lets one writer at a time), so sweeps may run
concurrently and as often as wanted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.cases import service as cases
from watchfloor.cases.models import FIRST_ACTION_RUNNING, RESOLVE_RUNNING, Case
from watchfloor.clock import Clock
from watchfloor.db import session_scope, writers_take_turns
from watchfloor.errors import WatchfloorError
from watchfloor.notify import service as notify
from watchfloor.notify.email import enqueue_email
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import Pager
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority

log = logging.getLogger("watchfloor.sla")
ACTOR = "system:sla-sweep"
CLOCKS = ("first_action", "resolution")


@dataclass
class Escalating:
    """Whom a sweep tells about breaches: ``pager`` pages on-call and names the shift leads,
    who are asked of on-call once per sweep batch, not per breach (``leads``)."""

    pager: Pager
    leads: dict[tuple[str, datetime], list[str]] = field(default_factory=dict)


def _crossed(now: datetime) -> Any:
    """Running clocks whose warning time has come and that still have a warning or breach due."""
    return or_(
        and_(
            text(FIRST_ACTION_RUNNING),
            Case.first_action_warn_at <= now,
            or_(Case.first_action_warned_at.is_(None), Case.first_action_due_at <= now),
        ),
        and_(
            text(RESOLVE_RUNNING),
            Case.resolve_warn_at <= now,
            or_(Case.resolve_warned_at.is_(None), Case.resolve_due_at <= now),
        ),
    )


def due_cases(session: Session, now: datetime, *, limit: int) -> list[Case]:
    """Up to ``limit`` cases with a warning or breach to record, locked; others' rows skipped."""
    query = select(Case).where(_crossed(now))
    if not writers_take_turns(session):
        # Concurrent sweeps lock in one order. SQLite has one writer at a time and no need:
        # ordered, it walks the whole table by id instead of the partial indexes (seconds at
        # a million open cases, on every worker round that finds nothing to do).
        query = query.order_by(Case.id)
    return list(
        session.scalars(
            query.limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
    )


def sweep(
    session: Session,
    clock: Clock,
    pager: Pager,
    *,
    sla: SlaConfig,
    limit: int = 500,
) -> int:
    """Record the warnings and breaches due now on up to ``limit`` cases; how many were recorded."""
    now = clock.now()
    escalating = Escalating(pager)
    done = 0
    for case in due_cases(session, now, limit=limit):
        for name in CLOCKS:
            step = _step(case, name, now)
            if step == "breach":
                _breach(session, clock, escalating, case=case, name=name, sla=sla)
                done += 1
            elif step == "warning":
                _warn(session, clock, case=case, name=name, sla=sla)
                done += 1
    return done


def _fields(name: str) -> tuple[str, str, str, str, str]:
    prefix = "first_action" if name == "first_action" else "resolve"
    done = "first_action_at" if name == "first_action" else "resolved_at"
    return (
        f"{prefix}_warn_at",
        f"{prefix}_due_at",
        f"{prefix}_warned_at",
        f"{prefix}_breached_at",
        done,
    )


def _step(case: Case, name: str, now: datetime) -> str | None:
    warn_at, due_at, warned, breached, done = _fields(name)
    if getattr(case, done) is not None or case.sla_paused_at is not None:
        return None
    if getattr(case, breached) is None and getattr(case, due_at) <= now:
        return "breach"
    if getattr(case, warned) is None and getattr(case, warn_at) <= now:
        return "warning"
    return None


def _about(case: Case, name: str) -> dict[str, Any]:
    _, due_at, _, _, _ = _fields(name)
    return {
        "case": {
            "key": case.key,
            "harm_area": case.harm_area,
            "priority": Priority(case.priority).label,
            "queue": case.queue,
            "status": case.status,
            "assignee_id": case.assignee_id,
        },
        "clock": name,
        "due_at": getattr(case, due_at).isoformat(),
    }


def _warn(session: Session, clock: Clock, *, case: Case, name: str, sla: SlaConfig) -> None:
    now = clock.now()
    _, _, warned, _, _ = _fields(name)
    setattr(case, warned, now)
    data = {**_about(case, name), "fraction": sla.warning_fraction}
    log.info("SLA clock in warning", extra={"case": case.key, "clock": name})
    audit.record(
        session,
        at=now,
        actor=ACTOR,
        action="sla.warning",
        object_type="case",
        object_id=case.key,
        after=data,
    )
    if case.golden_of_id is None:  # a golden copy's clocks run for show: nobody is told
        notify.enqueue(session, clock, event_type="sla.warning", data=data)


def _breach(
    session: Session,
    clock: Clock,
    escalating: Escalating,
    *,
    case: Case,
    name: str,
    sla: SlaConfig,
) -> None:
    """Record a breach: the case keeps its harm area, priority and queue and says it was
    escalated; the shift lead is told, and on-call paged when it breached at a paged priority."""
    now = clock.now()
    _, _, warned, breached, _ = _fields(name)
    setattr(case, breached, now)
    if getattr(case, warned) is None:
        setattr(case, warned, now)  # a late sweep records the breach, not a stale warning too
    priority = Priority(case.priority)
    log.warning(
        "SLA clock breached", extra={"case": case.key, "clock": name, "priority": priority.label}
    )
    before = cases.snapshot(case)
    reason = cases.mark_breached(case, clock_name=name, now=now)
    data = {**_about(case, name), "reason": reason}
    audit.record(
        session,
        at=now,
        actor=ACTOR,
        action="sla.breached",
        object_type="case",
        object_id=case.key,
        before=before,
        after={**cases.snapshot(case), "clock": name, "due_at": data["due_at"], "reason": reason},
    )
    if case.golden_of_id is not None:
        return  # a golden copy (quality's test of an analyst): no event, notice or page
    notify.enqueue(session, clock, event_type="sla.breached", data=data)
    rule = sla.escalation
    _notify_shift_lead(
        session, clock, escalating, case=case, data=data, schedule=rule.shift_lead_schedule
    )
    if priority in rule.page_priorities:
        _page(session, clock, escalating.pager, case=case, name=name, priority=priority, sla=sla)


def _shift_leads(
    escalating: Escalating, session: Session, schedule: str, at: datetime
) -> list[str]:
    """Who leads the shift at ``at``; asked of on-call once per sweep batch, not per breach."""
    if (schedule, at) not in escalating.leads:
        config = escalating.pager.config
        escalating.leads[(schedule, at)] = oncall.on_call(session, config, schedule, at)
    return escalating.leads[(schedule, at)]


def _notify_shift_lead(
    session: Session,
    clock: Clock,
    escalating: Escalating,
    *,
    case: Case,
    data: dict[str, Any],
    schedule: str | None,
) -> None:
    leads: list[str] = []
    if schedule is not None:
        try:
            leads = _shift_leads(escalating, session, schedule, clock.now())
        except WatchfloorError as exc:  # no such schedule: the event still goes out, unnamed
            log.warning("shift lead unknown for %s: %s", case.key, exc, extra={"case": case.key})
    event = {**data, "notify": "shift_lead", "schedule": schedule, "shift_leads": leads}
    notify.enqueue(session, clock, event_type="sla.escalated", data=event)
    about = event["case"]
    clock_title = "first-action" if data["clock"] == "first_action" else "resolution"
    for lead, address in oncall.emails_of(escalating.pager.config, leads).items():
        enqueue_email(
            session,
            clock,
            to=address,
            subject=f"[{about['priority']}] {about['key']} breached its {clock_title} SLA",
            body=(
                f"{lead}, you lead the shift: {about['key']} ({about['priority']}, "
                f"{about['harm_area']}, queue {about['queue']}, {about['status']}) breached its "
                f"{clock_title} SLA, due {data['due_at']}.\n\nIt keeps its priority and queue and "
                "comes first to the next analyst who takes work; P0 and P1 breaches also page "
                "on-call.\n"
            ),
        )
    audit.record(
        session,
        at=clock.now(),
        actor=ACTOR,
        action="sla.shift_lead_notified",
        object_type="case",
        object_id=case.key,
        after={"clock": data["clock"], "schedule": schedule, "shift_leads": leads},
    )


def _page(
    session: Session,
    clock: Clock,
    pager: Pager,
    *,
    case: Case,
    name: str,
    priority: Priority,
    sla: SlaConfig,
) -> None:
    clock_title = "first action" if name == "first_action" else "resolution"
    schedule = sla.escalation.page_schedule
    summary = f"{case.key} ({priority.label}, {case.harm_area}) breached its {clock_title} SLA"
    dedup_key = f"sla-breach:{case.key}:{name}"
    oncall.page(
        session,
        clock,
        pager,
        schedule=schedule,
        summary=summary,
        severity=priority.label,
        case_key=case.key,
        dedup_key=dedup_key,
        actor=ACTOR,
    )


def sweep_once(
    sessions: sessionmaker[Session], clock: Clock, pager: Pager, *, sla: SlaConfig
) -> int:
    """One batch of the sweep in its own transaction (the worker's ``sla-sweep`` job)."""
    with session_scope(sessions) as session:
        return sweep(session, clock, pager, sla=sla)
