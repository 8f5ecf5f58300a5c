"""What a shift lead watches across the floor: the most urgent open cases, and the clocks that
fall due soon (or already have), each with who holds the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
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


def among(session: Session, *, ids: Select[int], limit: int) -> list[Held]:
    """The cases whose ids ``ids`` selects (an incident's, say): open ones first, most urgent
    then oldest, then the closed ones, newest first."""
    is_open = Case.status.in_(OPEN)
    rows = session.execute(
        select(Case, User.username)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.id.in_(ids))
        .order_by(
            case((is_open, 0), else_=1),
            case((is_open, Case.priority), else_=0),
            case((is_open, Case.created_at), else_=None),
            Case.id.desc(),
        )
        .limit(limit)
    ).all()
    return [Held(c, holder) for c, holder in rows]


def status_counts(session: Session, *, ids: Select[int]) -> dict[str, int]:
    """How many of the cases ``ids`` selects are in each status."""
    rows = session.execute(
        select(Case.status, func.count()).where(Case.id.in_(ids)).group_by(Case.status)
    )
    return {status: int(n) for status, n in rows}


def first_created(session: Session, *, ids: list[int]) -> datetime | None:
    """When the earliest of these cases was opened: when the harm was first seen."""
    if not ids:
        return None
    return session.scalar(select(func.min(Case.created_at)).where(Case.id.in_(ids)))


def is_open(status: str) -> bool:
    return status in OPEN


def counts_by_group(session: Session, *, groups: Select[int, int]) -> dict[int, tuple[int, int]]:
    """For ``groups`` selecting (group id, case id) pairs: (cases, open cases) of each group."""
    pairs = groups.subquery()
    group, case_id = pairs.c[0], pairs.c[1]
    rows = session.execute(
        select(group, func.count(), func.count().filter(Case.status.in_(OPEN)))
        .join(Case, Case.id == case_id)
        .group_by(group)
    )
    return {g: (int(total), int(still_open)) for g, total, still_open in rows}
