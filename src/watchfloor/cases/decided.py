"""What other rooms read of the team's decisions: each decision with the case facts that quality
sampling weighs (priority, harm area, region, triage's suggestion, how fast it was decided), and
the actions a decision ordered (a statement of reasons says what was restricted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.cases.models import Action, Case, Decision
from watchfloor.cases.schemas import case_key
from watchfloor.triage.taxonomy import Priority


@dataclass(frozen=True)
class Decided:
    decision_id: int
    case_id: int
    case_key: str
    priority: str
    harm_area: str
    region: str | None
    language: str | None
    suggested_policy: str | None
    policy_id: str
    violation: bool
    rationale: str
    decided_by: str
    decided_at: datetime
    taken_at: datetime | None  # when the case's first action was taken (claimed, usually)
    golden: bool = False  # a golden copy's decision: scored by quality, never sampled


def after(session: Session, *, after_id: int, limit: int) -> list[Decided]:
    """Decisions with ids above ``after_id``, oldest first."""
    rows = session.execute(
        select(Decision, Case, User.username)
        .join(Case, Case.id == Decision.case_id)
        .join(User, User.id == Decision.decided_by_id)
        .where(Decision.id > after_id)
        .order_by(Decision.id)
        .limit(limit)
    ).all()
    return [_row(d, c, who) for d, c, who in rows]


def by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, Decided]:
    if not ids:
        return {}
    rows = session.execute(
        select(Decision, Case, User.username)
        .join(Case, Case.id == Decision.case_id)
        .join(User, User.id == Decision.decided_by_id)
        .where(Decision.id.in_(list(ids)))
    ).all()
    return {d.id: _row(d, c, who) for d, c, who in rows}


def first_decision_at(session: Session, *, usernames: Sequence[str]) -> dict[str, datetime]:
    """When each of these people decided their first case: how new they are."""
    if not usernames:
        return {}
    rows = session.execute(
        select(User.username, func.min(Decision.created_at))
        .join(Decision, Decision.decided_by_id == User.id)
        .join(Case, Case.id == Decision.case_id)
        .where(User.username.in_(list(usernames)), Case.golden_of_id.is_(None))
        .group_by(User.username)
    )
    return {who: at for who, at in rows}


def _row(d: Decision, c: Case, who: str) -> Decided:
    return Decided(
        decision_id=d.id,
        case_id=c.id,
        case_key=case_key(c.id),
        priority=Priority(c.priority).label,
        harm_area=c.harm_area,
        region=c.region,
        language=c.language,
        suggested_policy=c.suggested_policy,
        policy_id=d.policy_id,
        violation=d.violation,
        rationale=d.rationale,
        decided_by=who,
        decided_at=d.created_at,
        taken_at=c.first_action_at,
        golden=c.golden_of_id is not None,
    )


def latest_of_cases(session: Session, *, case_ids: Sequence[int]) -> dict[int, Decided]:
    """The latest decision on each of these cases (cases never decided are left out)."""
    if not case_ids:
        return {}
    latest = (
        select(func.max(Decision.id))
        .where(Decision.case_id.in_(list(case_ids)))
        .group_by(Decision.case_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Decision, Case, User.username)
        .join(Case, Case.id == Decision.case_id)
        .join(User, User.id == Decision.decided_by_id)
        .where(Decision.id.in_(latest))
    ).all()
    return {c.id: _row(d, c, who) for d, c, who in rows}


@dataclass(frozen=True)
class Outcome:
    """A decision as automation would have to repeat it: what triage suggested, and what the
    analyst decided and ordered, and how long they took."""

    suggested_policy: str | None
    policy_id: str
    violation: bool
    actions: tuple[str, ...]  # the kinds ordered, sorted
    handling_seconds: float | None


def outcomes_between(session: Session, *, start: datetime, end: datetime) -> list[Outcome]:
    """Every decision made in [start, end) with the kinds of action it ordered (the team's real
    work: golden copies left out)."""
    rows = session.execute(
        select(
            Decision.id,
            Decision.policy_id,
            Decision.violation,
            Decision.created_at,
            Case.suggested_policy,
            Case.first_action_at,
        )
        .join(Case, Case.id == Decision.case_id)
        .where(
            Decision.created_at >= start,
            Decision.created_at < end,
            Case.golden_of_id.is_(None),
        )
        .order_by(Decision.id)
    ).all()
    kinds: dict[int, list[str]] = {}
    ids = [r.id for r in rows]
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk : chunk + 5000]
        for decision_id, kind in session.execute(
            select(Action.decision_id, Action.kind).where(Action.decision_id.in_(part))
        ):
            kinds.setdefault(decision_id, []).append(kind)
    return [
        Outcome(
            suggested_policy=r.suggested_policy,
            policy_id=r.policy_id,
            violation=r.violation,
            actions=tuple(sorted(set(kinds.get(r.id, [])))),
            handling_seconds=None
            if r.first_action_at is None
            else max((r.created_at - r.first_action_at).total_seconds(), 0.0),
        )
        for r in rows
    ]


def action_kinds(session: Session, *, decision_ids: Sequence[int]) -> dict[int, list[str]]:
    """decision id → the kinds of the actions it ordered, in the order they were recorded."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(decision_ids), 1000):
        chunk = list(decision_ids[start : start + 1000])
        for decision_id, kind in session.execute(
            select(Action.decision_id, Action.kind)
            .where(Action.decision_id.in_(chunk))
            .order_by(Action.id)
        ):
            found.setdefault(decision_id, []).append(kind)
    return found
