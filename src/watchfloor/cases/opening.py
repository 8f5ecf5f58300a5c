"""Cases from new reports: opening a case for reports about one subject in one harm area, and
adding reports to the case already open for them.

Intake decides which reports go together (same subject, same harm area, within the link window)
and stores the reports; this module is the only place a case is opened or grows, so its priority,
queue, SLA clocks and audit trail follow the case room's rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import Status, next_status
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import case_key
from watchfloor.queues.routing import QueueConfig
from watchfloor.sla import service as sla_service
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority, Taxonomy

# The table whose ids intake reserves with bulk.allocate_ids before opening cases.
TABLE = Case.__tablename__


@dataclass(frozen=True)
class Rules:
    """What decides a new case's queue and clocks: the taxonomy, the queues and the SLA policy."""

    taxonomy: Taxonomy
    queues: QueueConfig
    sla: SlaConfig


@dataclass(frozen=True)
class Arrival:
    """A new report as its case sees it: its id, its triage verdict and where it came from."""

    report_id: int
    priority: Priority
    risk: float
    reasons: list[str]
    harm_areas: list[str]
    flags: list[str]
    policy: str | None
    region: str | None
    language: str | None
    text: str


@dataclass(frozen=True)
class Opening:
    """A case to open, with id ``case_id``, for ``arrivals`` (oldest first) about one subject in
    one harm area."""

    case_id: int
    subject_id: int
    harm_area: str
    arrivals: Sequence[Arrival]


def open_for_reports(
    session: Session, rules: Rules, *, openings: Sequence[Opening], now: datetime, actor: str
) -> None:
    """Open a case per opening, in one statement, each audited as ``case.opened``.

    The most urgent report sets the priority, its reasons and policy; the first report's region
    and language route it; both SLA clocks start at ``now``."""
    triaged = next_status(Status.NEW, "triage").value
    rows = [_row(rules, o, status=triaged, now=now) for o in openings]
    cases.open_many(session, rows, ids=[o.case_id for o in openings])
    for o, row in zip(openings, rows, strict=True):
        audit.record(
            session,
            at=now,
            actor=actor,
            action="case.opened",
            object_type="case",
            object_id=case_key(o.case_id),
            after={
                "status": row["status"],
                "priority": Priority(row["priority"]).label,
                "harm_area": row["harm_area"],
                "queue": row["queue"],
                "subject_id": o.subject_id,
                "reports": [a.report_id for a in o.arrivals],
                "reasons": row["triage_reasons"],
            },
        )


def _row(rules: Rules, o: Opening, *, status: str, now: datetime) -> dict[str, Any]:
    lead = min(o.arrivals, key=lambda a: a.priority)
    first = o.arrivals[0]
    clocks = sla_service.start_columns(
        rules.sla,
        priority=lead.priority,
        harm_area=o.harm_area,
        sla_class=sla_class(rules.taxonomy, o.harm_area, lead.policy),
        opened_at=now,
    )
    return {
        "harm_area": o.harm_area,
        "priority": int(lead.priority),
        "status": status,
        "queue": rules.queues.route(
            harm_area=o.harm_area,
            priority=lead.priority.label,
            region=first.region,
            language=first.language,
        ),
        "subject_id": o.subject_id,
        "assignee_id": None,
        "region": first.region,
        "language": first.language,
        "summary": summary(lead.text),
        "triage_reasons": lead.reasons,
        "risk_score": max(a.risk for a in o.arrivals),
        "harm_areas": list(dict.fromkeys(h for a in o.arrivals for h in a.harm_areas)),
        "suggested_policy": lead.policy,
        "triage_flags": sorted({f for a in o.arrivals for f in a.flags}),
        "report_count": len(o.arrivals),
        "created_at": now,
        "updated_at": now,
        "last_report_at": now,
        **clocks,
        "first_action_at": None,
        "resolved_at": None,
    }


def attach_reports(
    session: Session,
    rules: Rules,
    *,
    case: Case,
    arrivals: Sequence[Arrival],
    now: datetime,
    actor: str,
) -> None:
    """Add reports to an open, locked case; a more urgent report raises its priority (and, if
    nobody holds it, moves it to that priority's queue); audited as ``case.reports_attached``."""
    before = cases.snapshot(case)
    case.report_count += len(arrivals)
    case.last_report_at = now
    case.updated_at = now
    lead = min(arrivals, key=lambda a: a.priority)
    case.risk_score = max([case.risk_score, *(a.risk for a in arrivals)])
    case.harm_areas = list(
        dict.fromkeys([*case.harm_areas, *(h for a in arrivals for h in a.harm_areas)])
    )
    case.triage_flags = sorted({*case.triage_flags, *(f for a in arrivals for f in a.flags)})
    if lead.priority < case.priority:
        case.priority = int(lead.priority)
        case.triage_reasons = [*lead.reasons, *case.triage_reasons]
        case.suggested_policy = lead.policy or case.suggested_policy
        case.legal_due_at = rules.sla.legal_deadline(
            sla_class(rules.taxonomy, case.harm_area, case.suggested_policy), case.created_at
        )
        sla_service.reschedule(case, rules.sla)
        if case.assignee_id is None:
            case.queue = rules.queues.route(
                harm_area=case.harm_area,
                priority=lead.priority.label,
                region=case.region,
                language=case.language,
            )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="case.reports_attached",
        object_type="case",
        object_id=case.key,
        before=before,
        after={**cases.snapshot(case), "reports": [a.report_id for a in arrivals]},
    )


def summary(text: str) -> str:
    """A report's text on one line, at most 200 characters: the case's summary."""
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "…"


def sla_class(taxonomy: Taxonomy, harm_area: str, policy_id: str | None) -> str:
    """The SLA class of the policy a rule pointed to, else of the harm area."""
    found = taxonomy.policy(policy_id) if policy_id else None
    if found is not None:
        return found[0].sla_class_of(found[1])
    return taxonomy.area(harm_area).sla_class
