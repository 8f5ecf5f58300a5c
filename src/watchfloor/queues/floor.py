"""The floor at a glance: every queue's waiting work by priority, its oldest case, its nearest
first-action deadline and how many cases are in warning or breach (the console's floor page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from watchfloor.cases import listing, waiting
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
    loads = {q.name: QueueLoad(q.name, q.title) for q in queues.queues}
    for work in waiting.open_work(session, now=now):
        load = loads.setdefault(work.queue, QueueLoad(work.queue, work.queue))
        if not work.waiting:
            load.in_progress += work.count
            load.resolve_breached += work.resolve_breached
            continue
        load.waiting[Priority(work.priority).label] += work.count
        load.oldest_waiting_at = _earliest(load.oldest_waiting_at, work.oldest_at)
        load.next_due_at = _earliest(load.next_due_at, work.next_due_at)
        load.breached += work.first_action_breached
        load.warning += work.first_action_warning
    return list(loads.values())


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


SHOWS = {"waiting": "Waiting", "worked": "Being worked", "open": "All open"}


def queue_cases(
    session: Session,
    *,
    queue: str,
    show: str,
    query: listing.ListQuery,
    now: datetime,
    assignee_id: int | None,
) -> listing.Page:
    """One page of a queue's open cases (see cases.waiting.queue_page)."""
    return waiting.queue_page(
        session, queue=queue, show=show, query=query, now=now, assignee_id=assignee_id
    )
