"""What insights reads of cases to keep its metrics: each changed case with its clocks, its
decisions and actions, and when it was resolved and reopened. Golden copies are left out: they
are not the team's work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from watchfloor.audit import moments
from watchfloor.cases.models import Action, Case, Decision
from watchfloor.cases.schemas import case_key


@dataclass(frozen=True)
class DecisionFact:
    at: datetime
    policy_id: str
    violation: bool


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    key: str
    harm_area: str
    region: str | None
    language: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    first_action_at: datetime | None
    first_action_due_at: datetime
    first_action_breached_at: datetime | None
    resolved_at: datetime | None  # the latest resolution; None while (re)opened
    resolve_due_at: datetime
    resolve_breached_at: datetime | None
    decisions: tuple[DecisionFact, ...]  # oldest first
    actions: tuple[tuple[datetime, str], ...]  # (when ordered, kind)
    resolutions: tuple[datetime, ...]  # every resolution, oldest first
    reopens: tuple[datetime, ...]  # every reopen, oldest first


# Columns, not entities: the first rollup reads every case, and ORM objects cost ten times more.
_COLUMNS = (
    Case.id,
    Case.harm_area,
    Case.region,
    Case.language,
    Case.status,
    Case.created_at,
    Case.updated_at,
    Case.first_action_at,
    Case.first_action_due_at,
    Case.first_action_breached_at,
    Case.resolved_at,
    Case.resolve_due_at,
    Case.resolve_breached_at,
)


def changed_since(
    session: Session, *, after: tuple[datetime, int] | None, limit: int
) -> list[CaseFacts]:
    """Cases (not golden copies) changed after ``after`` = (updated_at, id), in that order."""
    query = select(*_COLUMNS).where(Case.golden_of_id.is_(None))
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(Case.updated_at > at, and_(Case.updated_at == at, Case.id > last_id))
        )
    found = session.execute(query.order_by(Case.updated_at, Case.id).limit(limit)).all()
    return _facts(session, found)


def after_id(session: Session, *, after: int, limit: int) -> list[CaseFacts]:
    """Cases (not golden copies) with ids above ``after``, in id order: a first full reading
    walks the primary key instead of sorting every case by its last change."""
    found = session.execute(
        select(*_COLUMNS)
        .where(Case.id > after, Case.golden_of_id.is_(None))
        .order_by(Case.id)
        .limit(limit)
    ).all()
    return _facts(session, found)


def of_ids(session: Session, *, ids: Sequence[int]) -> list[CaseFacts]:
    """These cases' facts (golden copies and unknown ids left out)."""
    if not ids:
        return []
    found = session.execute(
        select(*_COLUMNS)
        .where(Case.id.in_(list(ids)), Case.golden_of_id.is_(None))
        .order_by(Case.id)
    ).all()
    return _facts(session, found)


def _facts(session: Session, found: Sequence[Any]) -> list[CaseFacts]:
    ids = [c.id for c in found]
    if not ids:
        return []
    decisions: dict[int, list[DecisionFact]] = {}
    for case_id, at, policy, violation in session.execute(
        select(Decision.case_id, Decision.created_at, Decision.policy_id, Decision.violation)
        .where(Decision.case_id.in_(ids))
        .order_by(Decision.id)
    ):
        decisions.setdefault(case_id, []).append(DecisionFact(at, policy, violation))
    actions: dict[int, list[tuple[datetime, str]]] = {}
    for case_id, at, kind in session.execute(
        select(Action.case_id, Action.created_at, Action.kind)
        .where(Action.case_id.in_(ids))
        .order_by(Action.id)
    ):
        actions.setdefault(case_id, []).append((at, kind))
    keys = {c.id: case_key(c.id) for c in found}
    reopens = moments.times_of(session, object_ids=list(keys.values()), action="case.reopen")
    # Earlier resolutions are read from the audit log only for reopened cases (a few).
    resolves = moments.times_of(session, object_ids=list(reopens), action="case.resolve")
    out = []
    for c in found:
        key = keys[c.id]
        resolutions = resolves.get(key) or ([c.resolved_at] if c.resolved_at else [])
        out.append(
            CaseFacts(
                case_id=c.id,
                key=key,
                harm_area=c.harm_area,
                region=c.region,
                language=c.language,
                status=c.status,
                created_at=c.created_at,
                updated_at=c.updated_at,
                first_action_at=c.first_action_at,
                first_action_due_at=c.first_action_due_at,
                first_action_breached_at=c.first_action_breached_at,
                resolved_at=c.resolved_at,
                resolve_due_at=c.resolve_due_at,
                resolve_breached_at=c.resolve_breached_at,
                decisions=tuple(decisions.get(c.id, ())),
                actions=tuple(actions.get(c.id, ())),
                resolutions=tuple(resolutions),
                reopens=tuple(reopens.get(key, ())),
            )
        )
    return out
