"""Work on a case that reaches into other rooms: deciding it (outbox), and reading it whole."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.auth import service as users
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import assignment, exposure
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import CLAIMABLE_STATUSES, Status, allowed_actions
from watchfloor.cases.models import Action, Case, Decision
from watchfloor.cases.schemas import (
    ActionOut,
    CaseDetail,
    CaseOut,
    CaseReportOut,
    DecisionIn,
    DecisionOut,
    DeliveryOut,
    LifecycleAction,
    SlaOut,
    SubjectOut,
)
from watchfloor.clock import Clock
from watchfloor.errors import Forbidden, Invalid
from watchfloor.intake import service as intake
from watchfloor.intake.schemas import EvidenceOut, ReporterIn, ReportOut
from watchfloor.notify import service as notify
from watchfloor.oncall import service as oncall
from watchfloor.sla import service as sla_service
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority, Taxonomy


def decide(
    session: Session,
    clock: Clock,
    *,
    key: str,
    decision: DecisionIn,
    actor: User,
    can_act_for_others: bool,
    taxonomy: Taxonomy,
) -> Case:
    """Record the decision, order its actions through the outbox, and resolve the case.

    A golden copy (``golden_of_id``) is decided like any case, but only the decision is kept,
    to be scored by quality: no action, outbox event, reporter notice or subject history."""
    if taxonomy.policy(decision.policy_id) is None:
        raise Invalid(
            f"unknown policy {decision.policy_id!r}",
            fields=[
                {"loc": ["body", "policy_id"], "msg": f"unknown policy {decision.policy_id!r}"}
            ],
        )
    case = cases.get_or_raise(session, key=key, for_update=True)
    cases.require_holder(case, actor, can_act_for_others=can_act_for_others)
    if Status(case.status) in CLAIMABLE_STATUSES:
        # Deciding a waiting case takes it: the decider holds what they decided.
        cases.transition(session, clock, case=case, action="assign", actor=actor)
    cases.ensure_allowed(case, "resolve")
    now = clock.now()
    row = Decision(
        case_id=case.id,
        decided_by_id=actor.id,
        policy_id=decision.policy_id,
        violation=decision.violation,
        rationale=decision.rationale,
        created_at=now,
    )
    earlier = session.scalar(
        select(func.count()).where(Decision.case_id == case.id, Decision.violation)
    )
    session.add(row)
    session.flush()
    if case.golden_of_id is not None:
        asked: list[dict[str, object]] = [{"kind": item.kind} for item in decision.actions]
        return _resolve(session, clock, case=case, decision=decision, actor=actor, ordered=asked)
    if decision.violation and not earlier:  # a case counts once, however often it is reopened
        intake.record_violation(session, subject_id=case.subject_id)
    subject, identifiers = intake.subject_of(session, subject_id=case.subject_id)
    context = {
        "case": {
            "key": case.key,
            "harm_area": case.harm_area,
            "priority": Priority(case.priority).label,
        },
        "subject": {
            "kind": subject.kind,
            "id": subject.external_id,
            "identifiers": [{"kind": i.kind, "value": i.value} for i in identifiers],
        },
        "decision": {
            "id": row.id,
            "policy_id": decision.policy_id,
            "violation": decision.violation,
            "decided_by": actor.username,
        },
    }
    ordered: list[dict[str, object]] = []
    for item in decision.actions:
        action = Action(
            case_id=case.id,
            decision_id=row.id,
            kind=item.kind,
            params=item.params,
            outbox_event_id="",
            created_at=now,
        )
        session.add(action)
        session.flush()
        action.outbox_event_id = notify.enqueue(
            session,
            clock,
            event_type="action.requested",
            data={**context, "action": {"id": action.id, "kind": item.kind, "params": item.params}},
        )
        ordered.append({"id": action.id, "kind": item.kind, "event_id": action.outbox_event_id})
    notify.enqueue(session, clock, event_type="case.decided", data=context)
    return _resolve(session, clock, case=case, decision=decision, actor=actor, ordered=ordered)


def _resolve(
    session: Session,
    clock: Clock,
    *,
    case: Case,
    decision: DecisionIn,
    actor: User,
    ordered: list[dict[str, object]],
) -> Case:
    cases.transition(
        session,
        clock,
        case=case,
        action="resolve",
        actor=actor,
        audit_extra={
            "decision": {
                "policy_id": decision.policy_id,
                "violation": decision.violation,
                "rationale": decision.rationale,
                "actions": ordered,
            }
        },
    )
    oncall.resolve_pages_of_resolved_case(
        session, clock, case_key=case.key, actor=f"user:{actor.username}"
    )
    return case


PEOPLES_ACTIONS: tuple[str, ...] = get_args(LifecycleAction)


def move(
    session: Session,
    clock: Clock,
    *,
    key: str,
    action: str,
    actor: User,
    can_act_for_others: bool,
    assignee_name: str | None = None,
    note: str | None = None,
    sla: SlaConfig,
) -> Case:
    """Take a lifecycle action on a case (assign, escalate, request_info…) as ``actor``.

    Only the holder acts on a held case, unless ``can_act_for_others`` (a lead), who alone may
    also assign it to someone else.
    """
    # Resolving takes a decision (decide), and triage is intake's: neither is a step people take.
    if action not in PEOPLES_ACTIONS:
        raise Invalid(
            f"{action!r} is not an action people take on a case; "
            f"actions are: {', '.join(PEOPLES_ACTIONS)}",
            fields=[{"loc": ["action"], "msg": f"one of {', '.join(PEOPLES_ACTIONS)}"}],
        )
    case = cases.get_or_raise(session, key=key, for_update=True)
    cases.require_holder(case, actor, can_act_for_others=can_act_for_others)
    if action == "escalate":
        cases.ensure_allowed(case, action)  # a case that cannot be escalated says so first
        if not (note and note.strip()):
            raise Invalid(
                "escalating needs a reason in note: what the case needs from the incident "
                "manager (a policy, legal or regulatory question, a risk to life)",
                fields=[{"loc": ["body", "note"], "msg": "required to escalate"}],
            )
    assignee = None
    if action == "assign" and assignee_name and assignee_name != actor.username:
        if not can_act_for_others:
            raise Forbidden("only a lead may assign a case to someone else")
        assignee = users.get_or_raise(session, username=assignee_name)
        if not can(assignee.role, Permission.CASES_WORK):
            raise Forbidden(f"{assignee.username} ({assignee.role}) cannot work cases")
        if Status(case.status) in assignment.HELD_STATUSES:
            # A lead hands a held case to someone else: it keeps its status and clocks.
            return assignment.reassign(
                session, clock, case=case, to=assignee, actor=actor, note=note
            )
    return cases.transition(
        session, clock, case=case, action=action, actor=actor, assignee=assignee, note=note, sla=sla
    )


def case_out(
    case: Case,
    assignee: str | None,
    *,
    now: datetime | None = None,
    withheld: frozenset[str] = frozenset(),
) -> CaseOut:
    """The case as the API shows it; its SLA clocks as of ``now`` (default: its last change).

    Its summary is the start of a report's text: none for a case in one of the ``withheld``
    harm areas (``exposure.withheld_areas`` of the reader's role)."""
    hide = case.harm_area in withheld
    return CaseOut(
        key=case.key,
        harm_area=case.harm_area,
        priority=Priority(case.priority).label,
        status=case.status,
        queue=case.queue,
        assignee=assignee,
        subject_id=case.subject_id,
        region=case.region,
        language=case.language,
        summary=None if hide else case.summary,
        summary_withheld=exposure.NOT_FOR_YOUR_ROLE if hide else None,
        reasons=exposure.redacted(case.triage_reasons) if hide else list(case.triage_reasons),
        risk=case.risk_score,
        harm_areas=list(case.harm_areas),
        suggested_policy=case.suggested_policy,
        flags=list(case.triage_flags),
        report_count=case.report_count,
        created_at=case.created_at,
        updated_at=case.updated_at,
        first_action_due_at=case.first_action_due_at,
        resolve_due_at=case.resolve_due_at,
        first_action_at=case.first_action_at,
        resolved_at=case.resolved_at,
        allowed_actions=allowed_actions(Status(case.status)),
        sla=SlaOut.model_validate(sla_service.view(case, now or case.updated_at)),
    )


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def case_detail_for(
    session: Session, clock: Clock, *, case: Case, user: User, taxonomy: Taxonomy
) -> CaseDetail:
    """The case as ``user`` may read it, in the API and the console alike: evidence only for
    roles that may see it, and without what ``exposure.shield`` withholds."""
    detail = case_detail(
        session,
        case=case,
        with_evidence=can(user.role, Permission.EVIDENCE_READ),
        now=clock.now(),
        withheld=exposure.withheld_areas(taxonomy, role=user.role),
    )
    exposure.shield(session, clock, user=user, taxonomy=taxonomy, case=case, reports=detail.reports)
    return detail


def report_for(
    session: Session, clock: Clock, *, report_id: int, user: User, taxonomy: Taxonomy
) -> ReportOut:
    """One report as ``user`` may read it: withheld as its case would be (``case_detail_for``)."""
    out = intake.report_out(
        session,
        intake.get_or_raise(session, report_id=report_id),
        with_evidence=can(user.role, Permission.EVIDENCE_READ),
    )
    case = cases.get_or_raise(session, key=out.case)
    exposure.shield(session, clock, user=user, taxonomy=taxonomy, case=case, reports=[out])
    return out


def case_detail(
    session: Session,
    *,
    case: Case,
    with_evidence: bool,
    now: datetime | None = None,
    withheld: frozenset[str] = frozenset(),
) -> CaseDetail:
    """Everything about one case: subject, reports (evidence if allowed), decisions and deliveries."""
    subject, identifiers = intake.subject_of(session, subject_id=case.subject_id)
    reports = intake.reports_of_case(session, case_id=case.id)
    evidence = (
        intake.evidence_of(session, report_ids=[r.id for r in reports]) if with_evidence else {}
    )
    decisions = session.scalars(
        select(Decision).where(Decision.case_id == case.id).order_by(Decision.id)
    ).all()
    actions = session.scalars(
        select(Action).where(Action.case_id == case.id).order_by(Action.id)
    ).all()
    deliveries: dict[str, list[DeliveryOut]] = {}
    for event_id, delivery, endpoint in notify.deliveries_of(
        session, event_ids=[a.outbox_event_id for a in actions]
    ):
        deliveries.setdefault(event_id, []).append(
            DeliveryOut(
                endpoint=endpoint,
                status=delivery.status,
                attempts=delivery.attempts,
                last_status_code=delivery.last_status_code,
                last_error=delivery.last_error,
                delivered_at=delivery.delivered_at,
            )
        )
    names = usernames(session, {case.assignee_id, *(d.decided_by_id for d in decisions)})
    base = case_out(
        case, names.get(case.assignee_id) if case.assignee_id else None, now=now, withheld=withheld
    )
    return CaseDetail(
        **base.model_dump(),
        subject=SubjectOut(
            id=subject.id,
            kind=subject.kind,
            external_id=subject.external_id,
            display_name=subject.display_name,
            identifiers=[{"kind": i.kind, "value": i.value} for i in identifiers],
        ),
        reports=[
            CaseReportOut(
                id=r.id,
                source=r.source,
                external_id=r.external_id,
                received_at=r.received_at,
                reporter=ReporterIn.model_validate({"kind": r.reporter_kind, "id": r.reporter_id}),
                text=r.text,
                language=r.language,
                detected_language=r.detected_language,
                language_confidence=r.language_confidence,
                harm_area=r.harm_area,
                priority=Priority(r.priority).label,
                risk=r.risk_score,
                area_scores=dict(r.area_scores),
                reasons=list(r.triage_reasons),
                flags=list(r.triage_flags),
                evidence=[EvidenceOut.model_validate(e) for e in evidence.get(r.id, [])],
            )
            for r in reports
        ],
        decisions=[
            DecisionOut(
                id=d.id,
                policy_id=d.policy_id,
                violation=d.violation,
                rationale=d.rationale,
                decided_by=names.get(d.decided_by_id, "?"),
                created_at=d.created_at,
                actions=[
                    ActionOut(
                        id=a.id,
                        kind=a.kind,
                        params=a.params,
                        event_id=a.outbox_event_id,
                        deliveries=deliveries.get(a.outbox_event_id, []),
                    )
                    for a in actions
                    if a.decision_id == d.id
                ],
            )
            for d in decisions
        ],
    )
