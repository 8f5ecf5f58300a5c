"""Queues at work: what is waiting where, and claiming the most urgent case."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.cases import service as cases
from watchfloor.cases.models import Case
from watchfloor.clock import Clock
from watchfloor.errors import NotFound
from watchfloor.queues.routing import Queue, QueueConfig

# Written out (not bound) so PostgreSQL can prove the partial index ix_cases_claimable applies.
_WAITING = text("cases.assignee_id IS NULL AND cases.status IN ('new', 'triaged')")


def get_or_raise(queues: QueueConfig, name: str) -> Queue:
    queue = queues.get(name)
    if queue is None:
        known = ", ".join(q.name for q in queues.queues)
        raise NotFound(f"no queue {name!r}; queues are: {known}")
    return queue


def claim_next(
    session: Session, clock: Clock, *, queues: QueueConfig, queue: str, analyst: User
) -> Case | None:
    """Assign the most urgent waiting case of ``queue`` to ``analyst``; None if nothing waits.

    Most urgent: highest priority, then earliest first-action deadline, then oldest. Rows another
    claimer holds are skipped, so concurrent claimers never wait on or get the same case.
    """
    get_or_raise(queues, queue)
    case = session.scalar(
        select(Case)
        .where(Case.queue == queue, _WAITING)
        .order_by(Case.priority, Case.first_action_due_at, Case.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if case is None:
        return None
    return cases.transition(
        session, clock, case=case, action="assign", actor=analyst, audit_extra={"via": "claim"}
    )
