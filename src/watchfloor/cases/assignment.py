"""A lead's hand-over of held cases, and who holds what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases.lifecycle import OPEN_STATUSES, Status, allowed_actions
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import case_key
from watchfloor.cases.service import snapshot
from watchfloor.clock import Clock
from watchfloor.errors import Conflict

# A held case a lead may hand to someone else, keeping where it is in its lifecycle.
HELD_STATUSES = frozenset({Status.ASSIGNED, Status.IN_REVIEW, Status.PENDING_INFO})


def reassign(
    session: Session, clock: Clock, *, case: Case, to: User, actor: User, note: str | None = None
) -> Case:
    """Give a held, locked case to ``to`` (a lead's act: the caller checks), keeping its status
    and clocks; audited as ``case.reassign`` with who held it before."""
    if Status(case.status) not in HELD_STATUSES:
        raise Conflict(
            f"{case.key}: only a case someone holds ({', '.join(sorted(HELD_STATUSES))}) is "
            f"reassigned; it is {case.status}: assign it instead",
            current_status=case.status,
            allowed_actions=allowed_actions(Status(case.status)),
            action="assign",
        )
    if case.assignee_id == to.id:
        return case
    before = snapshot(case)
    case.assignee_id = to.id
    case.updated_at = clock.now()
    audit.record(
        session,
        at=case.updated_at,
        actor=f"user:{actor.username}",
        action="case.reassign",
        object_type="case",
        object_id=case.key,
        before=before,
        after={**snapshot(case), "to": to.username, **({"note": note} if note else {})},
    )
    return case


def held_by(session: Session, *, usernames: list[str]) -> dict[str, list[tuple[str, int, str]]]:
    """The open cases each of ``usernames`` holds: (key, priority, status), most urgent first."""
    out: dict[str, list[tuple[str, int, str]]] = {u: [] for u in usernames}
    if not usernames:
        return out
    rows = session.execute(
        select(User.username, Case.id, Case.priority, Case.status)
        .join(User, User.id == Case.assignee_id)
        .where(User.username.in_(usernames), Case.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Case.priority, Case.id)
    ).all()
    for username, case_id, priority, status in rows:
        out[username].append((case_key(case_id), priority, status))
    return out
