"""Golden copies: a decided case opened again, unannounced, to score whoever decides it.

Quality keeps the golden set (which decided cases, with their agreed verdict) and says when to
open a copy; this module is the cases room's side. A copy is a case like any other (same harm
area, priority, queue, subject and reports, fresh SLA clocks) marked by ``golden_of_id``, which
the API and the console never show. Deciding one keeps only the decision (``flows.decide``);
the SLA sweep tells nobody about it; sampling, training and the team's counts leave it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases import decided, opening
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import Status, next_status
from watchfloor.cases.models import Case, Decision
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.db import one_of
from watchfloor.errors import Conflict, NotFound
from watchfloor.intake import copies as report_copies
from watchfloor.sla import service as sla_service
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority, Taxonomy

# Who opened the copy in its audit trail when the original's opener is unknown.
OPENER = "system:intake"


@dataclass(frozen=True)
class Source:
    """A decided case that may join the golden set, with its latest decision."""

    case_id: int
    key: str
    queue: str
    harm_area: str
    priority: str
    policy_id: str
    violation: bool


@dataclass(frozen=True)
class CopyDecision:
    """The first decision on a golden copy: the one given blind, which is scored."""

    case_id: int
    decided_by: str
    policy_id: str
    violation: bool
    decided_at: datetime


def source(session: Session, *, key: str) -> Source:
    """The decided case ``key`` (404 if unknown, 409 if not decided or itself a copy)."""
    case = cases.get_or_raise(session, key=key)
    if case.golden_of_id is not None:
        raise Conflict(f"{case.key} is a golden copy; mark the case it copies instead")
    latest = decided.latest_of_cases(session, case_ids=[case.id]).get(case.id)
    if latest is None:
        raise Conflict(f"{case.key} has not been decided: only decided cases can be golden")
    return Source(
        case_id=case.id,
        key=case.key,
        queue=case.queue,
        harm_area=case.harm_area,
        priority=Priority(case.priority).label,
        policy_id=latest.policy_id,
        violation=latest.violation,
    )


def open_copy(
    session: Session, clock: Clock, *, of_case_id: int, taxonomy: Taxonomy, sla: SlaConfig
) -> Case:
    """Open a golden copy of decided case ``of_case_id`` in its queue, with its harm area,
    priority, subject and (copied) reports; its SLA clocks start now. Audited as any opening."""
    original = session.get(Case, of_case_id)
    if original is None:
        raise NotFound(f"no case {case_key(of_case_id)}")
    if original.golden_of_id is not None:
        raise Conflict(f"{original.key} is itself a golden copy")
    now = clock.now()
    priority = Priority(original.priority)
    clocks = sla_service.start_columns(
        sla,
        priority=priority,
        harm_area=original.harm_area,
        sla_class=opening.sla_class(taxonomy, original.harm_area, original.suggested_policy),
        opened_at=now,
    )
    breach_reasons = set(cases.BREACH_REASONS.values())
    copy = Case(
        harm_area=original.harm_area,
        priority=original.priority,
        status=next_status(Status.NEW, "triage").value,
        queue=original.queue,
        subject_id=original.subject_id,
        assignee_id=None,
        region=original.region,
        language=original.language,
        summary=original.summary,
        triage_reasons=[r for r in original.triage_reasons if r not in breach_reasons],
        risk_score=original.risk_score,
        harm_areas=list(original.harm_areas),
        suggested_policy=original.suggested_policy,
        triage_flags=list(original.triage_flags),
        report_count=original.report_count,
        created_at=now,
        updated_at=now,
        last_report_at=now,
        first_action_at=None,
        resolved_at=None,
        golden_of_id=original.id,
        **clocks,
    )
    session.add(copy)
    session.flush()
    reports = report_copies.copy_reports(
        session, from_case_id=original.id, to_case_id=copy.id, now=now
    )
    copy.report_count = max(len(reports), 1)
    audit.record(
        session,
        at=now,
        actor=_opener(session, original.key),
        action="case.opened",
        object_type="case",
        object_id=copy.key,
        after={
            "status": copy.status,
            "priority": priority.label,
            "harm_area": copy.harm_area,
            "queue": copy.queue,
            "subject_id": copy.subject_id,
            "reports": reports,
            "reasons": copy.triage_reasons,
        },
    )
    return copy


def _opener(session: Session, key: str) -> str:
    """Who opened the original: the copy's trail reads like any case's."""
    for event in audit.trail_of(session, object_id=key):
        if event.action == "case.opened":
            return event.actor
    return OPENER


def first_decisions(session: Session, *, case_ids: Sequence[int]) -> dict[int, CopyDecision]:
    """The first decision on each of these cases (undecided ones are left out)."""
    if not case_ids:
        return {}
    first = (
        select(func.min(Decision.id))
        .where(one_of(session, Decision.case_id, list(case_ids)))
        .group_by(Decision.case_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Decision, User.username)
        .join(User, User.id == Decision.decided_by_id)
        .where(Decision.id.in_(first))
    ).all()
    return {
        d.case_id: CopyDecision(d.case_id, who, d.policy_id, d.violation, d.created_at)
        for d, who in rows
    }


def is_copy(case: Case) -> bool:
    return case.golden_of_id is not None


def unlisted(session: Session, *, case: Case, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` a reader of ``case`` must not be shown beside it: golden copies, and the
    case a copy copies (its decision would give the answer away)."""
    if not ids:
        return set()
    found = session.scalars(
        select(Case.id).where(
            one_of(session, Case.id, sorted(set(ids))),
            or_(Case.golden_of_id.is_not(None), Case.id == (case.golden_of_id or 0)),
        )
    )
    return set(found)
