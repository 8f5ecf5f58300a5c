"""What a shift lead watches across the floor: the most urgent open cases, and the clocks that
fall due soon (or already have), each with who holds the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.cases.lifecycle import OPEN_STATUSES
from watchfloor.cases.models import Case
from watchfloor.triage.taxonomy import Priority

OPEN = sorted(s.value for s in OPEN_STATUSES)


@dataclass(frozen=True)
class Held:
    """An open case and the username of whoever holds it (None: waiting in its queue)."""

    case: Case
    holder: str | None


@dataclass(frozen=True)
class FallingDue:
    """An open case whose ``clock`` ("first_action" or "resolution") is due at ``due_at``."""

    case: Case
    holder: str | None
    clock: str
    due_at: datetime


def most_urgent(session: Session, *, worst: Priority, limit: int) -> list[Held]:
    """Open cases of priority ``worst`` or more urgent, most urgent then oldest first."""
    rows = session.execute(
        select(Case, User.username)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.status.in_(OPEN), Case.priority <= int(worst))
        .order_by(Case.priority, Case.created_at, Case.id)
        .limit(limit)
    ).all()
    return [Held(case, holder) for case, holder in rows]


def falling_due(session: Session, *, until: datetime, limit: int) -> list[FallingDue]:
    """Open cases whose first action (if not taken yet) or resolution falls due by ``until``,
    those already overdue included, soonest first."""
    found: list[FallingDue] = []
    for clock_name, column, not_done in (
        ("first_action", Case.first_action_due_at, Case.first_action_at.is_(None)),
        ("resolution", Case.resolve_due_at, Case.resolved_at.is_(None)),
    ):
        rows = session.execute(
            select(Case, User.username, column)
            .outerjoin(User, User.id == Case.assignee_id)
            .where(Case.status.in_(OPEN), not_done, column <= until)
            .order_by(column, Case.id)
            .limit(limit)
        ).all()
        found += [FallingDue(case, holder, clock_name, due) for case, holder, due in rows]
    found.sort(key=lambda d: (d.due_at, d.case.id))
    return found[:limit]


def count_urgent(session: Session, *, worst: Priority) -> int:
    """How many open cases are of priority ``worst`` or more urgent."""
    return (
        session.scalar(
            select(func.count()).where(Case.status.in_(OPEN), Case.priority <= int(worst))
        )
        or 0
    )
