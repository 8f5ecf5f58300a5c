"""Legal holds: a case's records must be preserved (for a preservation request, a court order,
litigation) until legal releases the hold. Placing and releasing are audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases.models import Case, LegalHold
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound


def place(
    session: Session, clock: Clock, *, case: Case, by: User, reason: str, authority: str | None
) -> LegalHold:
    reason = reason.strip()
    if len(reason) < 5:
        raise Invalid(
            "say why the records must be kept (at least 5 characters)",
            fields=[{"loc": ["form", "reason"], "msg": "at least 5 characters"}],
        )
    hold = LegalHold(
        case_id=case.id,
        reason=reason[:5000],
        authority=(authority or "").strip()[:200] or None,
        placed_by_id=by.id,
        placed_at=clock.now(),
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        at=hold.placed_at,
        actor=f"user:{by.username}",
        action="legal_hold.placed",
        object_type="case",
        object_id=case.key,
        after={"hold_id": hold.id, "reason": hold.reason, "authority": hold.authority},
    )
    return hold


def release(session: Session, clock: Clock, *, hold_id: int, by: User) -> LegalHold:
    hold = session.get(LegalHold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}")
    if hold.released_at is not None:
        raise Conflict(f"legal hold {hold_id} was already released")
    hold.released_at, hold.released_by_id = clock.now(), by.id
    case = session.get(Case, hold.case_id)
    audit.record(
        session,
        at=hold.released_at,
        actor=f"user:{by.username}",
        action="legal_hold.released",
        object_type="case",
        object_id=case.key if case else str(hold.case_id),
        after={"hold_id": hold.id},
    )
    return hold


def of_case(session: Session, *, case_id: int) -> Sequence[LegalHold]:
    return session.scalars(
        select(LegalHold).where(LegalHold.case_id == case_id).order_by(LegalHold.id)
    ).all()


def active(session: Session, *, limit: int = 500) -> Sequence[tuple[LegalHold, Case]]:
    """Holds in force, newest first, with their cases."""
    rows = session.execute(
        select(LegalHold, Case)
        .join(Case, Case.id == LegalHold.case_id)
        .where(LegalHold.released_at.is_(None))
        .order_by(LegalHold.id.desc())
        .limit(limit)
    ).all()
    return [(hold, case) for hold, case in rows]


def place_for_system(
    session: Session,
    clock: Clock,
    *,
    case_id: int,
    accountable: User,
    reason: str,
    authority: str | None,
    actor: str,
) -> LegalHold:
    """A hold a rule placed (a legal obligation's follow-up), not a person at the console: the
    audit trail names ``actor`` (e.g. system:legal-triggers); ``accountable`` is the user the
    hold is recorded against (the one who set the obligation off, or the system account)."""
    hold = LegalHold(
        case_id=case_id,
        reason=reason.strip()[:5000],
        authority=(authority or "").strip()[:200] or None,
        placed_by_id=accountable.id,
        placed_at=clock.now(),
    )
    session.add(hold)
    session.flush()
    case = session.get(Case, case_id)
    audit.record(
        session,
        at=hold.placed_at,
        actor=actor,
        action="legal_hold.placed",
        object_type="case",
        object_id=case.key if case else str(case_id),
        after={"hold_id": hold.id, "reason": hold.reason, "authority": hold.authority},
    )
    return hold


def held_case_ids(session: Session) -> set[int]:
    """Ids of the cases under at least one hold in force: retention must not touch them."""
    return set(
        session.scalars(select(LegalHold.case_id).where(LegalHold.released_at.is_(None)).distinct())
    )
