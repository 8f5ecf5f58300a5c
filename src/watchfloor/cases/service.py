"""Cases: finding them, opening them from reports, and moving them through their lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases.lifecycle import (
    OPEN_STATUSES,
    IllegalTransition,
    Status,
    next_status,
)
from watchfloor.cases.models import Case, Decision
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import Clock
from watchfloor.db import core, dialect_of, in_list, one_of
from watchfloor.errors import Conflict, NotFound
from watchfloor.queues.routing import QueueConfig
from watchfloor.sla import service as sla_service
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Priority, Taxonomy


def snapshot(case: Case) -> dict[str, Any]:
    """The fields of a case the audit log records before and after a change."""
    return {
        "status": case.status,
        "priority": Priority(case.priority).label,
        "harm_area": case.harm_area,
        "queue": case.queue,
        "assignee_id": case.assignee_id,
    }


def get(session: Session, *, key: str, for_update: bool = False) -> Case | None:
    case_id = parse_case_key(key)
    if case_id is None:
        return None
    stmt = select(Case).where(Case.id == case_id)
    if for_update:
        # A locked read must see the row as it is now, not as this session last loaded it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def get_or_raise(session: Session, *, key: str, for_update: bool = False) -> Case:
    case = get(session, key=key, for_update=for_update)
    if case is None:
        if parse_case_key(key) is None:
            raise NotFound(f"{key!r} is not a case key; case keys look like CASE-000123")
        raise NotFound(f"no case {key.upper()}")
    return case


@dataclass
class CaseFilter:
    status: list[str] | None = None
    harm_area: str | None = None
    priority: int | None = None
    queue: str | None = None
    assignee_id: int | None = None
    subject_id: int | None = None


def list_cases(
    session: Session, *, where: CaseFilter, limit: int = 50, before_id: int | None = None
) -> Sequence[Case]:
    """Cases, newest first, filtered; page with ``before_id`` (the last id of the previous page)."""
    stmt = select(Case).order_by(Case.id.desc()).limit(limit)
    if where.status:
        stmt = stmt.where(Case.status.in_(where.status))
    if where.harm_area:
        stmt = stmt.where(Case.harm_area == where.harm_area)
    if where.priority is not None:
        stmt = stmt.where(Case.priority == where.priority)
    if where.queue:
        stmt = stmt.where(Case.queue == where.queue)
    if where.assignee_id is not None:
        stmt = stmt.where(Case.assignee_id == where.assignee_id)
    if where.subject_id is not None:
        stmt = stmt.where(Case.subject_id == where.subject_id)
    if before_id is not None:
        stmt = stmt.where(Case.id < before_id)
    return session.scalars(stmt).all()


@cache
def _open_cases_of(dialect: str) -> Select[int, int, str]:
    """Open cases of some subjects with a report since a time, locked; built once."""
    return (
        select(Case.id, Case.subject_id, Case.harm_area)
        .where(
            in_list(dialect, Case.subject_id, "subject_ids"),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
            Case.last_report_at >= bindparam("since"),
        )
        .order_by(Case.id)
        .with_for_update()
    )


def open_cases_for_update(
    session: Session, *, pairs: set[tuple[int, str]], since: datetime
) -> dict[tuple[int, str], Case]:
    """The newest open case per (subject id, harm area) that had a report since ``since``, locked."""
    if not pairs:
        return {}
    subject_ids = sorted({s for s, _ in pairs})
    # Lock and pick with Core (most new reports find no open case), then load only the winners.
    newest: dict[tuple[int, str], int] = {}
    for case_id, subject_id, harm_area in core(session).execute(
        _open_cases_of(dialect_of(session)), {"subject_ids": subject_ids, "since": since}
    ):
        if (subject_id, harm_area) in pairs:
            newest[subject_id, harm_area] = case_id  # ordered by id: the newest wins
    if not newest:
        return {}
    by_id = {
        case.id: case
        for case in session.scalars(
            select(Case)
            .where(one_of(session, Case.id, list(newest.values())))
            # After a retried savepoint, the identity map may hold a version read before the lock.
            .execution_options(populate_existing=True)
        )
    }
    return {pair: by_id[case_id] for pair, case_id in newest.items()}


_INSERT_CASE = insert(cast(Table, Case.__table__))


def open_many(session: Session, rows: list[dict[str, Any]], *, ids: list[int]) -> None:
    """Insert new cases (column dicts) with the given ids (see bulk.allocate_ids), in one statement."""
    if rows:
        core(session).execute(
            _INSERT_CASE,
            [{**r, "id": i} for r, i in zip(rows, ids, strict=True)],
        )


def ensure_allowed(case: Case, action: str) -> Status:
    """The status ``action`` leads to; a 409 naming the current status and the allowed actions."""
    try:
        return next_status(Status(case.status), action)
    except IllegalTransition as exc:
        raise Conflict(
            f"{case.key}: {exc}",
            current_status=case.status,
            allowed_actions=exc.allowed,
            action=action,
        ) from exc


def transition(
    session: Session,
    clock: Clock,
    *,
    case: Case,
    action: str,
    actor: User,
    assignee: User | None = None,
    note: str | None = None,
    audit_extra: dict[str, Any] | None = None,
    sla: SlaConfig | None = None,
) -> Case:
    """Apply lifecycle ``action`` to a locked ``case``, record it, and return the case.

    The case's SLA clocks pause and resume with its status; pass ``sla`` so a resumed clock
    counts its pause in calendar time (without it, wall-clock time).
    """
    new_status = ensure_allowed(case, action)
    old_status = Status(case.status)
    before = snapshot(case)
    now = clock.now()
    if action == "assign":
        case.assignee_id = (assignee or actor).id
    elif action in {"release", "reopen"}:
        case.assignee_id = None
    if action == "reopen":
        case.resolved_at = None
    if action == "resolve":
        case.resolved_at = now
    if case.first_action_at is None and action not in {"triage", "reopen"}:
        case.first_action_at = now
    case.status = new_status.value
    case.updated_at = now
    clock_change = sla_service.on_status_change(
        case, before=old_status, after=new_status, now=now, sla=sla
    )
    after = snapshot(case)
    audit.record(
        session,
        at=now,
        actor=f"user:{actor.username}",
        action=f"case.{action}",
        object_type="case",
        object_id=case.key,
        before=before,
        after={
            **after,
            **({"note": note} if note else {}),
            **clock_change,
            **(audit_extra or {}),
        },
    )
    return case


def raise_urgency(
    session: Session,
    *,
    now: datetime,
    case: Case,
    priority: Priority,
    harm_area: str | None,
    reasons: list[str],
    placed_in: Sequence[str] = (),
    taxonomy: Taxonomy,
    sla: SlaConfig,
    queues: QueueConfig,
    actor: str,
    action: str,
    audit_extra: dict[str, Any] | None = None,
) -> None:
    """Make a locked case more urgent: ``priority`` if higher than its own, and ``harm_area``
    (None keeps it) with the area's SLA class; ``reasons`` go first among its triage reasons, and
    ``placed_in`` (the areas the signal placed it in) join its harm areas.

    As for a more urgent report joining it: its SLA clocks are recomputed, and an unclaimed case
    moves to the queue its area and priority route to. It never lowers the priority, and no clock
    (first action, resolution, legal) becomes due later than it was. Recorded in the audit log as
    ``action``, with the case before and after and ``audit_extra``.
    """
    before = snapshot(case)
    before_clocks = _clock_columns(case)
    if harm_area is not None and harm_area != case.harm_area:
        case.harm_area = harm_area
        found = taxonomy.policy(case.suggested_policy) if case.suggested_policy else None
        if found is not None and found[0].id != harm_area:
            case.suggested_policy = None  # a policy of the area the case has left
    case.harm_areas = list(dict.fromkeys([case.harm_area, *case.harm_areas, *placed_in]))
    case.priority = min(case.priority, int(priority))
    case.triage_reasons = [*reasons, *case.triage_reasons]
    case.updated_at = now
    found = taxonomy.policy(case.suggested_policy) if case.suggested_policy else None
    sla_class = (
        found[0].sla_class_of(found[1]) if found else taxonomy.area(case.harm_area).sla_class
    )
    legal = [d for d in (case.legal_due_at, sla.legal_deadline(sla_class, case.created_at)) if d]
    case.legal_due_at = min(legal) if legal else None
    sla_service.reschedule(case, sla)
    for name, was in before_clocks.items():
        setattr(case, name, min(was, getattr(case, name)))
    if case.assignee_id is None:
        case.queue = queues.route(
            harm_area=case.harm_area,
            priority=Priority(case.priority).label,
            region=case.region,
            language=case.language,
        )
    audit.record(
        session,
        at=now,
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.key,
        before=before,
        after={
            **snapshot(case),
            "reasons": reasons,
            "first_action_due_at": case.first_action_due_at.isoformat(),
            "resolve_due_at": case.resolve_due_at.isoformat(),
            **(audit_extra or {}),
        },
    )


# What a breach adds to a case's reasons, by clock; the case keeps its harm area, priority and
# queue (a breached harassment case is still a harassment case, in the harassment queue).
BREACH_REASONS = {
    "first_action": "escalated: first-action breach",
    "resolution": "escalated: resolution breach",
}


def mark_breached(case: Case, *, clock_name: str, now: datetime) -> str:
    """Say on a locked case that its ``clock_name`` clock breached: the reason goes first among its
    triage reasons (once). Nothing else changes: claims already take a case whose first action is
    due before any case that is not, and the breach's paging and notices are the sweep's. The
    reason, for the caller's audit event."""
    reason = BREACH_REASONS[clock_name]
    case.triage_reasons = [reason, *(r for r in case.triage_reasons if r != reason)]
    case.updated_at = now
    return reason


def _clock_columns(case: Case) -> dict[str, datetime]:
    return {
        "first_action_due_at": case.first_action_due_at,
        "first_action_warn_at": case.first_action_warn_at,
        "resolve_due_at": case.resolve_due_at,
        "resolve_warn_at": case.resolve_warn_at,
    }


def lock_many(session: Session, *, ids: list[int]) -> dict[int, Case]:
    """These cases, locked for update, in id order (the order every writer locks cases in)."""
    if not ids:
        return {}
    found = session.scalars(
        select(Case)
        .where(one_of(session, Case.id, sorted(set(ids))))
        .order_by(Case.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {case.id: case for case in found}


def require_holder(case: Case, user: User, *, can_act_for_others: bool) -> None:
    """Only the analyst holding a case (or a lead) may work it."""
    if case.assignee_id is not None and case.assignee_id != user.id and not can_act_for_others:
        raise Conflict(
            f"{case.key} is assigned to someone else; ask a lead to reassign it",
            current_status=case.status,
        )


def count_by_queue(session: Session) -> dict[str, dict[str, int]]:
    """Waiting (unassigned, open) cases per queue and priority label."""
    rows = session.execute(
        select(Case.queue, Case.priority, func.count())
        .where(Case.status.in_(["new", "triaged"]), Case.assignee_id.is_(None))
        .group_by(Case.queue, Case.priority)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for queue, priority, n in rows:
        counts.setdefault(queue, {})[Priority(priority).label] = n
    return counts


def latest_verdicts(session: Session) -> dict[int, tuple[str, bool]]:
    """Every decided case's latest decision: case id → (policy id, violation). A reopened case
    decided again counts once, as last decided. Golden copies are left out (not real work)."""
    latest: dict[int, tuple[str, bool]] = {}
    for case_id, policy_id, violation in session.execute(
        select(Decision.case_id, Decision.policy_id, Decision.violation)
        .join(Case, Case.id == Decision.case_id)
        .where(Case.golden_of_id.is_(None))
        .order_by(Decision.id)
    ):
        latest[case_id] = (policy_id, violation)
    return latest


def open_cases_of_subjects(
    session: Session, *, subject_ids: list[int], limit: int
) -> Sequence[Case]:
    """The open cases about any of these subjects, most urgent then oldest first."""
    return session.scalars(
        select(Case)
        .where(
            one_of(session, Case.subject_id, subject_ids),
            Case.status.in_(sorted(s.value for s in OPEN_STATUSES)),
        )
        .order_by(Case.priority, Case.created_at, Case.id)
        .limit(limit)
    ).all()


def status_and_area(session: Session, *, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each of these cases' status and harm area, by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(Case.id, Case.status, Case.harm_area).where(one_of(session, Case.id, ids))
    ).all()
    return {case_id: (status, area) for case_id, status, area in rows}
