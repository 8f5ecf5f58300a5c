"""Lodging and deciding appeals: work that reaches into the cases room (reopen, resolve), the
legal clocks (dsa_20_decide_appeal) and the outbox (appeal.decided). Services never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.cases import decided
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import CLAIMABLE_STATUSES, OPEN_STATUSES, Status
from watchfloor.clock import Clock
from watchfloor.compliance.appeals import rules
from watchfloor.compliance.appeals.models import Appeal
from watchfloor.compliance.appeals.schemas import AppealDecisionIn, AppealIn
from watchfloor.compliance.appeals.service import get_or_raise, open_clock, restricting
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.statements.config import TransparencyConfig
from watchfloor.errors import Conflict
from watchfloor.notify import service as notify

if TYPE_CHECKING:  # the caller, handed over by auth's dependencies: a type, never queried
    from watchfloor.auth.models import User


def lodge(
    session: Session,
    clock: Clock,
    *,
    key: str,
    body: AppealIn,
    actor: User,
    obligations: ObligationsConfig,
) -> tuple[Appeal, bool]:
    """Record an appeal against a decision of the case, reopen the case for a person to decide
    it, and start dsa_20_decide_appeal. Returns the appeal and whether it is new (a repeated
    (source, external_id) returns the one already lodged)."""
    source = body.source or (actor.username if body.external_id else None)
    if body.external_id is not None:
        known = session.scalar(
            select(Appeal).where(Appeal.source == source, Appeal.external_id == body.external_id)
        )
        if known is not None:
            return known, False
    case = cases.get_or_raise(session, key=key, for_update=True)
    if body.decision_id is None:
        found = decided.latest_of_cases(session, case_ids=[case.id]).get(case.id)
        if found is None:
            raise rules.field_error("decision_id", f"{case.key} has no decision to appeal yet")
    else:
        found = decided.by_ids(session, ids=[body.decision_id]).get(body.decision_id)
        if found is None or found.case_id != case.id:
            raise rules.field_error("decision_id", f"{case.key} has no decision {body.decision_id}")
    now = clock.now()
    received = (body.received_at or now).astimezone(UTC)
    told_at = _told_at(session, obligations, now, case_id=case.id, decided_at=found.decided_at)
    closes = rules.window_closes_at(obligations.get(rules.WINDOW), told_at)
    rules.check_received(
        received_at=received, now=now, decided_at=found.decided_at, closes_at=closes
    )
    already = session.scalar(
        select(Appeal.id).where(Appeal.decision_id == found.decision_id, Appeal.state == "open")
    )
    if already is not None:
        raise Conflict(
            f"decision {found.decision_id} of {case.key} already has an open appeal "
            f"({already}); it is decided once, for everyone who appealed it",
            appeal=already,
        )
    row = Appeal(
        case_id=case.id,
        decision_id=found.decision_id,
        appellant_kind=body.appellant,
        appellant_id=body.appellant_id,
        reasons=body.reasons,
        received_at=received,
        window_closes_at=closes,
        source=source,
        external_id=body.external_id,
        state="open",
        created_by=f"user:{actor.username}",
        created_at=now,
    )
    session.add(row)
    session.flush()
    if Status(case.status) not in OPEN_STATUSES:
        # The case goes back to its queue for a person to decide (cases owns its state).
        cases.transition(
            session,
            clock,
            case=case,
            action="reopen",
            actor=actor,
            note=f"appeal {row.id} against decision {found.decision_id} (DSA Art. 20)",
        )
    if open_clock(session, obligations, now, case_id=case.id) is None:
        # One clock per case: an appeal lodged while another is open shares its due time.
        clocks.start(
            session,
            clock,
            obligations,
            case_id=case.id,
            obligation_id=rules.DECIDE,
            started_at=received,
            actor=f"user:{actor.username}",
        )
    audit.record(
        session,
        at=now,
        actor=f"user:{actor.username}",
        action="appeal.lodged",
        object_type="case",
        object_id=case.key,
        after={
            "appeal": row.id,
            "decision": found.decision_id,
            "appellant": body.appellant,
            "received_at": received.isoformat(),
            "window_closes_at": closes.isoformat(),
        },
    )
    return row, True


def _told_at(
    session: Session,
    config: ObligationsConfig,
    now: datetime,
    *,
    case_id: int,
    decided_at: datetime,
) -> datetime:
    """When the user was told of the decision: the start of the case's appeal window
    (dsa_20_appeal_window) where the case carries one since the decision, else the decision's
    time, as the decision's notices (reply, statement of reasons) go out when it is taken."""
    starts = [
        c.row.started_at
        for c in clocks.for_case(session, config, now, case_id=case_id)
        if c.row.obligation_id == rules.WINDOW and c.row.started_at >= decided_at
    ]
    return min(starts) if starts else decided_at


def decide(
    session: Session,
    clock: Clock,
    *,
    appeal_id: int,
    body: AppealDecisionIn,
    actor: User,
    can_act_for_others: bool,
    obligations: ObligationsConfig,
    transparency: TransparencyConfig,
) -> Appeal:
    """A person decides the appeal: the outcome and reasons are kept, the case is resolved again,
    dsa_20_decide_appeal is met once no appeal of the case is left open, and the appellant's
    answer goes out as ``appeal.decided`` (with what to reverse when overturned)."""
    row = get_or_raise(session, appeal_id=appeal_id, for_update=True)
    if row.state != "open":
        raise Conflict(f"appeal {row.id} was decided ({row.outcome}) at {row.decided_at}")
    original = decided.by_ids(session, ids=[row.decision_id])[row.decision_id]
    rules.check_decider(
        role=actor.role, username=actor.username, original_decider=original.decided_by
    )
    changes = rules.check_outcome(outcome=body.outcome, changes=body.changes)
    case = cases.get_or_raise(session, key=original.case_key, for_update=True)
    now = clock.now()
    kinds = decided.action_kinds(session, decision_ids=[row.decision_id]).get(row.decision_id, [])
    reverse = restricting(kinds, transparency) if body.outcome == "overturned" else []
    text = rules.answer(
        case_key=case.key,
        outcome=body.outcome,
        reasons=body.reasons,
        changes=changes,
        redress=transparency.redress,
    )
    row.state, row.outcome, row.outcome_reasons, row.changes = (
        "decided",
        body.outcome,
        body.reasons,
        changes,
    )
    row.answer, row.decided_by, row.decided_at = text, actor.username, now
    about: dict[str, Any] = {
        "appeal": row.id,
        "decision": row.decision_id,
        "outcome": body.outcome,
        "reverse": reverse,
    }
    if Status(case.status) in OPEN_STATUSES:
        cases.require_holder(case, actor, can_act_for_others=can_act_for_others)
        if Status(case.status) in CLAIMABLE_STATUSES:
            cases.transition(session, clock, case=case, action="assign", actor=actor)
        cases.transition(
            session, clock, case=case, action="resolve", actor=actor, audit_extra=about
        )
    session.flush()
    still_open = session.scalar(
        select(Appeal.id).where(Appeal.case_id == case.id, Appeal.state == "open").limit(1)
    )
    kept = open_clock(session, obligations, now, case_id=case.id)
    if still_open is None and kept is not None and kept.reading.state not in CLOSED_STATES:
        clocks.record_step(
            session,
            clock,
            obligations,
            case_id=case.id,
            row_id=kept.row.id,
            step="met",
            actor=f"user:{actor.username}",
        )
    audit.record(
        session,
        at=now,
        actor=f"user:{actor.username}",
        action="appeal.decided",
        object_type="case",
        object_id=case.key,
        after={**about, "reasons": body.reasons, "changes": changes},
    )
    notify.enqueue(
        session,
        clock,
        event_type="appeal.decided",
        data={
            "case": {"key": case.key},
            **about,
            "appellant": {"kind": row.appellant_kind, "id": row.appellant_id},
            "decided_by": actor.username,
            "changes": changes,
            "answer": text,
        },
    )
    return row
