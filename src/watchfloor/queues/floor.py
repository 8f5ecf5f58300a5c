"""The floor at a glance: every queue's waiting work by priority, its oldest case, its nearest
first-action deadline and how many cases are in warning or breach (the console's floor page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from watchfloor.cases.lifecycle import CLAIMABLE_STATUSES
from watchfloor.cases.models import OPEN_SQL, Case
from watchfloor.queues.routing import QueueConfig
from watchfloor.triage.taxonomy import Priority

PRIORITIES = [p.label for p in Priority]


@dataclass
class QueueLoad:
    """One queue's open work right now."""

    name: str
    title: str
    waiting: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))
    in_progress: int = 0
    oldest_waiting_at: datetime | None = None
    next_due_at: datetime | None = None  # the nearest first-action deadline of a waiting case
    warning: int = 0  # waiting cases past their warning time, not yet due
    breached: int = 0  # waiting cases past their first-action deadline
    resolve_breached: int = 0  # cases being worked past their resolution deadline

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())

    @property
    def state(self) -> str:
        """'breached', 'warning' or 'ok': the colour the floor shows the queue in."""
        if self.breached or self.resolve_breached:
            return "breached"
        return "warning" if self.warning else "ok"


def floor(session: Session, *, queues: QueueConfig, now: datetime) -> list[QueueLoad]:
    """Every configured queue in file order (then any queue only old cases still name)."""
    waiting = and_(Case.assignee_id.is_(None), Case.status.in_(CLAIMABLE_STATUSES))
    running = Case.sla_paused_at.is_(None)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(
            Case.queue,
            Case.priority,
            waiting.label("waiting"),
            func.count(),
            func.min(Case.created_at),
            func.min(Case.first_action_due_at),
            count(and_(running, Case.first_action_due_at <= now)),
            count(and_(running, Case.first_action_warn_at <= now, Case.first_action_due_at > now)),
            count(and_(running, Case.resolve_due_at <= now)),
        )
        .where(text(OPEN_SQL))
        .group_by(Case.queue, Case.priority, waiting)
    ).all()
    loads = {q.name: QueueLoad(q.name, q.title) for q in queues.queues}
    for queue, priority, is_waiting, n, oldest, next_due, due, warn, resolve_due in rows:
        load = loads.setdefault(queue, QueueLoad(queue, queue))
        if not is_waiting:
            load.in_progress += n
            load.resolve_breached += int(resolve_due or 0)
            continue
        load.waiting[Priority(priority).label] += n
        load.oldest_waiting_at = _earliest(load.oldest_waiting_at, oldest)
        load.next_due_at = _earliest(load.next_due_at, next_due)
        load.breached += int(due or 0)
        load.warning += int(warn or 0)
    return list(loads.values())


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def queue_cases(session: Session, *, queue: str, limit: int = 100) -> tuple[list[Case], list[Case]]:
    """One queue's open cases: those waiting, in the order `next` serves priority and deadline
    (the claimable index), and those being worked, most urgent first."""
    waiting = session.scalars(
        select(Case)
        .where(Case.queue == queue, Case.assignee_id.is_(None), Case.status.in_(CLAIMABLE_STATUSES))
        .order_by(Case.priority, Case.first_action_due_at, Case.id)
        .limit(limit)
    ).all()
    worked = session.scalars(
        select(Case)
        .where(Case.queue == queue, text(OPEN_SQL))
        .where(~and_(Case.assignee_id.is_(None), Case.status.in_(CLAIMABLE_STATUSES)))
        .order_by(Case.priority, Case.resolve_due_at, Case.id)
        .limit(limit)
    ).all()
    return list(waiting), list(worked)
