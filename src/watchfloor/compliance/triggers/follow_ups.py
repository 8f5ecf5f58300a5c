"""What an obligation sets off when its clock starts or when it is met (config/obligations.yaml
``follow_ups``, and ``priority``, which a case takes at least while the duty runs): raise the
case's priority, open an incident, start another obligation, place a legal hold, find the known
identical copies of reported imagery.

Each follow-up is done once per obligation (a row of legal_follow_ups, unique on the obligation,
the action and its argument) in the transaction that started or met the obligation, and audited
on the case. The two that need the taxonomy, SLA, queue and incident configuration (priority and
open_incident) wait as ``pending`` when the caller did not pass it (``context``), and the
legal-triggers job carries them out within a minute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.cases import holds
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.models import CaseObligation
from watchfloor.compliance.clocks.obligations import Obligation, ObligationsConfig
from watchfloor.compliance.triggers.models import FollowUpRecord
from watchfloor.errors import Conflict
from watchfloor.incidents import service as incidents
from watchfloor.incidents.config import IncidentConfig
from watchfloor.intake import origins
from watchfloor.notify import service as notify
from watchfloor.queues.routing import QueueConfig
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority, Taxonomy

if TYPE_CHECKING:
    from watchfloor.auth.models import User

log = logging.getLogger("watchfloor.compliance")
ACTOR = "system:legal-triggers"
# Legal holds are recorded against a user; a rule's hold with no person behind it is recorded
# against this account, created inactive (it can never sign in or hold a token).
SYSTEM_USERNAME = "watchfloor-system"
PENDING, DONE, SKIPPED = "pending", "done", "skipped"
NEEDS_CONFIG = frozenset({"priority", "open_incident"})
When = Literal["started", "met"]


@dataclass(frozen=True)
class FollowUpConfig:
    """The configuration raising a priority and declaring an incident need."""

    taxonomy: Taxonomy
    sla: SlaConfig
    queues: QueueConfig
    incidents: IncidentConfig


def planned(ob: Obligation, when: When) -> list[tuple[str, str]]:
    """(action, argument) of each follow-up ``ob`` sets off ``when``; its priority on a start."""
    found = (
        [("priority", ob.priority.label)] if ob.priority is not None and when == "started" else []
    )
    found += [(f.action, f.obligation or f.severity or "") for f in ob.follow_ups if f.when == when]
    return found


def carry_out(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    *,
    row: CaseObligation,
    obligation: Obligation,
    when: When,
    context: FollowUpConfig | None,
    actor: str,
) -> list[FollowUpRecord]:
    """Record and do each follow-up of ``obligation`` for ``when`` on the case obligation ``row``
    (one already recorded is not done again); without ``context`` those needing it wait."""
    done: list[FollowUpRecord] = []
    for action, argument in planned(obligation, when):
        if session.scalar(
            select(FollowUpRecord.id).where(
                FollowUpRecord.case_obligation_id == row.id,
                FollowUpRecord.action == action,
                FollowUpRecord.argument == argument,
            )
        ):
            continue
        record = FollowUpRecord(
            case_obligation_id=row.id,
            case_id=row.case_id,
            obligation_id=obligation.id,
            action=action,
            argument=argument,
            stage=when,
            state=PENDING,
            actor=actor[:100],
            result={},
            created_at=clock.now(),
        )
        session.add(record)
        session.flush()
        if context is not None or action not in NEEDS_CONFIG:
            _do(session, clock, config, record, row, obligation, context)
        done.append(record)
    return done


def carry_pending(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    context: FollowUpConfig,
    *,
    limit: int = 100,
) -> int:
    """Do up to ``limit`` follow-ups left pending (their obligation was started or met by a
    caller without the configuration); how many were done."""
    records = list(
        session.scalars(
            select(FollowUpRecord)
            .where(FollowUpRecord.state == PENDING)
            .order_by(FollowUpRecord.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for record in records:
        row = session.get(CaseObligation, record.case_obligation_id)
        if row is None:  # pragma: no cover - the cascade removes its follow-ups with it
            continue
        _do(session, clock, config, record, row, config.get(record.obligation_id), context)
    return len(records)


def of_obligations(session: Session, *, row_ids: list[int]) -> dict[int, list[FollowUpRecord]]:
    """case obligation id -> its follow-ups, in the order they were set off."""
    found: dict[int, list[FollowUpRecord]] = {i: [] for i in row_ids}
    if row_ids:
        for record in session.scalars(
            select(FollowUpRecord)
            .where(FollowUpRecord.case_obligation_id.in_(row_ids))
            .order_by(FollowUpRecord.id)
        ):
            found[record.case_obligation_id].append(record)
    return found


def _do(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    record: FollowUpRecord,
    row: CaseObligation,
    ob: Obligation,
    context: FollowUpConfig | None,
) -> None:
    action = record.action
    if action == "priority" and context is not None:
        state, result = _priority(session, clock, record, ob, context)
    elif action == "open_incident" and context is not None:
        state, result = _incident(session, clock, record, ob, context)
    elif action == "start_obligation":
        state, result = _start(session, clock, config, record, row, context)
    elif action == "legal_hold":
        state, result = _hold(session, clock, record, ob)
    elif action == "remove_hash_matches":
        state, result = _copies(session, clock, record, ob)
    else:  # pragma: no cover - planned() names no other action; context is checked before
        return
    record.state, record.result, record.done_at = state, result, clock.now()
    audit.record(
        session,
        at=clock.now(),
        actor=record.actor,
        action="obligation.follow_up",
        object_type="case",
        object_id=case_key(record.case_id),
        after={
            "obligation": ob.id,
            "case_obligation_id": row.id,
            "follow_up": action,
            "argument": record.argument or None,
            "when": record.stage,
            "state": state,
            **result,
        },
    )
    session.flush()


Outcome = tuple[str, dict[str, Any]]


def _priority(
    session: Session, clock: Clock, record: FollowUpRecord, ob: Obligation, ctx: FollowUpConfig
) -> Outcome:
    wanted = Priority.parse(record.argument)
    case = cases.get(session, key=case_key(record.case_id), for_update=True)
    if case is None:  # pragma: no cover - an obligation's case is never deleted
        return SKIPPED, {"why": "the case is gone"}
    if case.priority <= int(wanted):
        return DONE, {"priority": Priority(case.priority).label, "raised": False}
    cases.raise_urgency(
        session,
        now=clock.now(),
        case=case,
        priority=wanted,
        harm_area=None,
        reasons=[f"legal: {ob.id} ({ob.law.citation}) makes the case {wanted.label}"],
        taxonomy=ctx.taxonomy,
        sla=ctx.sla,
        queues=ctx.queues,
        actor=record.actor,
        action="case.priority_raised",
        audit_extra={"obligation": ob.id},
    )
    return DONE, {"priority": wanted.label, "raised": True}


def _incident(
    session: Session, clock: Clock, record: FollowUpRecord, ob: Obligation, ctx: FollowUpConfig
) -> Outcome:
    severity = next((s for s in ctx.incidents.severities if s == record.argument), None)
    if severity is None:
        return SKIPPED, {"why": f"severity {record.argument} is not in config/incidents.yaml"}
    area = cases.status_and_area(session, ids=[record.case_id]).get(record.case_id)
    key = case_key(record.case_id)
    incident, declared = incidents.declare_for_case_by_system(
        session,
        clock,
        ctx.incidents,
        case_id=record.case_id,
        severity=severity,
        title=f"{ob.title} ({key})",
        harm_area=area[1] if area else None,
        summary=f"Declared when {ob.id} ({ob.law.citation}) started on {key}.",
        actor=record.actor,
    )
    return DONE, {"incident": incident.key, "declared": declared}


def _start(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    record: FollowUpRecord,
    row: CaseObligation,
    context: FollowUpConfig | None,
) -> Outcome:
    # From the event that set it off: a report's submission (met) starts its preservation.
    at = row.done_at if record.stage == "met" and row.done_at is not None else row.started_at
    try:
        started = clocks.start(
            session,
            clock,
            config,
            case_id=record.case_id,
            obligation_id=record.argument,
            started_at=at,
            actor=record.actor,
            follow_up=context,
        )
    except Conflict:
        return DONE, {"obligation": record.argument, "already_open": True}
    return DONE, {"obligation": record.argument, "case_obligation_id": started.id}


def _hold(session: Session, clock: Clock, record: FollowUpRecord, ob: Obligation) -> Outcome:
    hold = holds.place_for_system(
        session,
        clock,
        case_id=record.case_id,
        accountable=_accountable(session, clock, record.actor),
        reason=f"{ob.id}: {ob.title} ({ob.law.citation})",
        authority=None,
        actor=record.actor,
    )
    return DONE, {"hold_id": hold.id}


def _accountable(session: Session, clock: Clock, actor: str) -> User:
    """The person who set the obligation off, else the inactive system account."""
    if actor.startswith("user:"):
        user = auth.get_by_username(session, username=actor.removeprefix("user:"))
        if user is not None:
            return user
    user = auth.get_by_username(session, username=SYSTEM_USERNAME)
    if user is None:
        user = auth.create(
            session,
            clock,
            username=SYSTEM_USERNAME,
            role=Role.VIEWER,
            display_name="Watchfloor rules (legal holds placed by obligations)",
            actor=ACTOR,
        )
        auth.set_active(session, clock, user=user, active=False, actor=ACTOR)
    return user


def _copies(session: Session, clock: Clock, record: FollowUpRecord, ob: Obligation) -> Outcome:
    """Each file elsewhere identical to one of this case's, as a removal to carry out: an outbox
    event per copy with ids only, never the content."""
    key = case_key(record.case_id)
    copies = origins.hash_copies(session, case_id=record.case_id)
    listed = []
    for copy in copies:
        item = {"case": case_key(copy.case_id), "evidence_id": copy.evidence_id}
        notify.enqueue(
            session,
            clock,
            event_type="ncii.copy_found",
            data={"case": key, "obligation": ob.id, "copy": item, "sha256": copy.sha256},
        )
        listed.append(item)
    return DONE, {"copies": listed}
