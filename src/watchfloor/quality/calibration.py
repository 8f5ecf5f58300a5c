"""Calibration exercises: a lead picks past decided cases and the people to calibrate; each of
them decides every case blind (neither the case's decision nor anyone else's answer is shown);
the report shows where the team diverges, policy by policy, with Krippendorff's alpha and its
interval for each policy and overall, and the cases with the widest spread of answers."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import decided
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.intake import service as intake
from watchfloor.quality import agreement
from watchfloor.quality.agreement import Estimate
from watchfloor.quality.models import Calibration, CalibrationAnswer, CalibrationItem
from watchfloor.quality.service import Verdict
from watchfloor.triage.taxonomy import Taxonomy

MAX_CASES = 200


def create(
    session: Session,
    clock: Clock,
    *,
    title: str,
    case_keys: Sequence[str],
    participants: Sequence[str],
    by: User,
) -> Calibration:
    """A new exercise over decided cases; 422 naming each case never decided or person unknown."""
    keys = list(dict.fromkeys(k.strip().upper() for k in case_keys))
    if not keys or len(keys) > MAX_CASES:
        raise Invalid(
            f"pick 1 to {MAX_CASES} cases",
            fields=[{"loc": ["body", "cases"], "msg": f"1 to {MAX_CASES} cases"}],
        )
    ids = {k: parse_case_key(k) for k in keys}
    latest = decided.latest_of_cases(session, case_ids=[i for i in ids.values() if i])
    undecided = [k for k, i in ids.items() if i is None or i not in latest]
    if undecided:
        raise Invalid(
            "only decided cases can be used to calibrate; not decided or unknown: "
            + ", ".join(undecided),
            fields=[{"loc": ["body", "cases"], "msg": f"not decided: {k}"} for k in undecided],
        )
    people = list(dict.fromkeys(p.strip() for p in participants if p.strip()))
    found = {p: auth.get_active(session, username=p) for p in people}
    unknown = [p for p, u in found.items() if u is None]
    if len(people) < 2 or unknown:
        raise Invalid(
            "name at least two active people to calibrate"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            fields=[{"loc": ["body", "participants"], "msg": "two or more active users"}],
        )
    # Calibrating is deciding cases: only those who decide or review decisions read the cases.
    cannot = {p: u.role for p, u in found.items() if u is not None and not _decides(u.role)}
    if cannot:
        raise Invalid(
            "only people who decide cases or review decisions can calibrate; not: "
            + ", ".join(f"{p} ({role})" for p, role in cannot.items()),
            fields=[
                {"loc": ["body", "participants"], "msg": f"may not decide: {p}"} for p in cannot
            ],
        )
    now = clock.now()
    exercise = Calibration(title=title, participants=people, created_by=by.username, created_at=now)
    session.add(exercise)
    session.flush()
    for key, case_id in ids.items():
        assert case_id is not None
        d = latest[case_id]
        session.add(
            CalibrationItem(
                calibration_id=exercise.id,
                case_key=key,
                policy_id=d.policy_id,
                violation=d.violation,
            )
        )
    session.flush()
    audit.record(
        session,
        at=now,
        actor=f"user:{by.username}",
        action="qa.calibration_created",
        object_type="calibration",
        object_id=f"CAL-{exercise.id}",
        after={"title": title, "cases": keys, "participants": people},
    )
    return exercise


def _decides(role: str) -> bool:
    return can(role, Permission.CASES_DECIDE) or can(role, Permission.QUALITY_REVIEW)


def case_texts(
    session: Session, *, items: Sequence[CalibrationItem], withheld: frozenset[str]
) -> dict[int, list[str] | None]:
    """Each item's case reports, oldest first, as a participant reads them blind: None for a
    case in one of the ``withheld`` harm areas (``exposure.withheld_areas`` of their role)."""
    ids = {item.id: parse_case_key(item.case_key) for item in items}
    case_ids = [i for i in ids.values() if i]
    areas = {k: area for k, (_, area) in cases.status_and_area(session, ids=case_ids).items()}
    texts: dict[int, list[str]] = {}
    for case_id, text in intake.texts_of_cases(session, case_ids=case_ids):
        texts.setdefault(case_id, []).append(text)
    return {
        item_id: None if areas.get(case_id or 0) in withheld else texts.get(case_id or 0, [])
        for item_id, case_id in ids.items()
    }


def get_or_raise(session: Session, *, calibration_id: int) -> Calibration:
    row = session.get(Calibration, calibration_id)
    if row is None:
        raise NotFound(f"no calibration exercise {calibration_id}")
    return row


def list_for(session: Session, *, username: str, manager: bool) -> Sequence[Calibration]:
    """The exercises someone takes part in (a lead: every one), newest first."""
    rows = session.scalars(select(Calibration).order_by(Calibration.id.desc()).limit(200)).all()
    return [c for c in rows if manager or username in c.participants]


def items(session: Session, *, calibration_id: int) -> Sequence[CalibrationItem]:
    return session.scalars(
        select(CalibrationItem)
        .where(CalibrationItem.calibration_id == calibration_id)
        .order_by(CalibrationItem.id)
    ).all()


def answers_of(
    session: Session, *, calibration_id: int, participant: str | None = None
) -> Sequence[CalibrationAnswer]:
    stmt = (
        select(CalibrationAnswer)
        .join(CalibrationItem, CalibrationItem.id == CalibrationAnswer.item_id)
        .where(CalibrationItem.calibration_id == calibration_id)
    )
    if participant is not None:
        stmt = stmt.where(CalibrationAnswer.participant == participant)
    return session.scalars(stmt.order_by(CalibrationAnswer.id)).all()


def answer(
    session: Session,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    calibration_id: int,
    item_id: int,
    by: User,
    policy_id: str,
    violation: bool,
    rationale: str,
) -> CalibrationAnswer:
    """A participant's blind answer to one case; they may change it until the exercise closes."""
    exercise = get_or_raise(session, calibration_id=calibration_id)
    if by.username not in exercise.participants:
        raise Forbidden(f"{by.username} is not a participant of this calibration exercise")
    if exercise.closed_at is not None:
        raise Conflict("this calibration exercise is closed")
    if taxonomy.policy(policy_id) is None:
        raise Invalid(
            f"unknown policy {policy_id!r}",
            fields=[{"loc": ["body", "policy_id"], "msg": "not a policy of the taxonomy"}],
        )
    item = session.get(CalibrationItem, item_id)
    if item is None or item.calibration_id != exercise.id:
        raise NotFound(f"no case {item_id} in this calibration exercise")
    row = session.scalar(
        select(CalibrationAnswer).where(
            CalibrationAnswer.item_id == item.id, CalibrationAnswer.participant == by.username
        )
    )
    now = clock.now()
    if row is None:
        row = CalibrationAnswer(
            item_id=item.id,
            participant=by.username,
            policy_id=policy_id,
            violation=violation,
            rationale=rationale,
            at=now,
        )
        session.add(row)
    else:
        row.policy_id, row.violation, row.rationale, row.at = policy_id, violation, rationale, now
    session.flush()
    audit.record(
        session,
        at=now,
        actor=f"user:{by.username}",
        action="qa.calibration_answered",
        object_type="calibration",
        object_id=f"CAL-{exercise.id}",
        after={"case": item.case_key, "policy_id": policy_id, "violation": violation},
    )
    return row


def close(session: Session, clock: Clock, *, calibration_id: int, by: User) -> Calibration:
    exercise = get_or_raise(session, calibration_id=calibration_id)
    if exercise.closed_at is None:
        exercise.closed_at = clock.now()
        audit.record(
            session,
            at=exercise.closed_at,
            actor=f"user:{by.username}",
            action="qa.calibration_closed",
            object_type="calibration",
            object_id=f"CAL-{exercise.id}",
        )
    return exercise


@dataclass(frozen=True)
class ItemResult:
    case_key: str
    decided: str  # the case's own decision, as a label
    answers: dict[str, int]  # label → how many gave it
    agreeing_share: float  # the most common answer's share: 1.0 is unanimous


@dataclass(frozen=True)
class PolicyResult:
    policy_id: str
    alpha: Estimate
    cases: int
    with_decision: float  # share of answers matching the case's decision


@dataclass(frozen=True)
class Report:
    overall: Estimate
    answered: int
    expected: int
    policies: list[PolicyResult]  # least agreement first
    items: list[ItemResult]  # widest spread first


def report(session: Session, *, calibration_id: int) -> Report:
    exercise = get_or_raise(session, calibration_id=calibration_id)
    rows = items(session, calibration_id=calibration_id)
    given = answers_of(session, calibration_id=calibration_id)
    by_item: dict[int, dict[str, str]] = defaultdict(dict)
    for a in given:
        by_item[a.item_id][a.participant] = Verdict(a.policy_id, a.violation).label
    results = []
    per_policy: dict[str, list[CalibrationItem]] = defaultdict(list)
    for item in rows:
        per_policy[item.policy_id].append(item)
        counts = Counter(by_item[item.id].values())
        total = sum(counts.values())
        results.append(
            ItemResult(
                case_key=item.case_key,
                decided=Verdict(item.policy_id, item.violation).label,
                answers=dict(counts.most_common()),
                agreeing_share=(counts.most_common(1)[0][1] / total) if total else 0.0,
            )
        )
    policies = []
    for policy_id, group in per_policy.items():
        units = {i.id: by_item[i.id] for i in group}
        labels = [
            (Verdict(i.policy_id, i.violation).label, v)
            for i in group
            for v in units[i.id].values()
        ]
        matching = sum(1 for d, v in labels if d == v)
        policies.append(
            PolicyResult(
                policy_id=policy_id,
                alpha=agreement.krippendorff_alpha(units),
                cases=len(group),
                with_decision=matching / len(labels) if labels else 0.0,
            )
        )
    policies.sort(key=lambda p: (p.alpha.value is None, p.alpha.value or 0.0, p.policy_id))
    results.sort(key=lambda r: (r.agreeing_share, r.case_key))
    return Report(
        overall=agreement.krippendorff_alpha({i.id: by_item[i.id] for i in rows}),
        answered=len(given),
        expected=len(rows) * len(exercise.participants),
        policies=policies,
        items=results,
    )
