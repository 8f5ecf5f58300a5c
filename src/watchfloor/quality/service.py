"""Quality review: sample decisions, review them blind, adjudicate disagreements.

Sampling runs in the worker (``qa-sample``): it weighs every new decision once, in order, from
where it last stopped (a locked row), and keeps those a rule picks with the rules' reasons. A
reviewer takes a sample from the queue, sees the case but not the decision, and submits their own
verdict; only then is the original shown. Where they disagree a lead adjudicates; the final
verdict is what the analyst's accuracy is measured against. Feedback is in ``feedback``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases import decided
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.quality import golden, sampling
from watchfloor.quality.config import QualityConfig
from watchfloor.quality.models import (
    QaAdjudication,
    QaFeedback,
    QaReview,
    QaSample,
    QaSamplingState,
)
from watchfloor.triage.taxonomy import Taxonomy

BATCH = 500


def sample_new(
    sessions: sessionmaker[Session], clock: Clock, config: QualityConfig, *, batch: int = BATCH
) -> int:
    """Weigh the decisions made since the last run; how many were weighed."""
    with session_scope(sessions) as session:
        state = _state(session)
        rows = decided.after(session, after_id=state.last_decision_id, limit=batch)
        if not rows:
            return 0
        now = clock.now()
        since = decided.first_decision_at(session, usernames=sorted({r.decided_by for r in rows}))
        week = sampling.week_start(now)
        this_week = session.execute(
            select(QaSample.harm_area, func.count())
            .where(QaSample.created_at >= week)
            .group_by(QaSample.harm_area)
        )
        counts = Counter({area: int(n) for area, n in this_week})
        for row in rows:
            if row.golden:
                continue  # a golden copy is scored against its agreed verdict, not sampled
            facts = sampling.Facts(
                decision_id=row.decision_id,
                priority=row.priority,
                harm_area=row.harm_area,
                policy_id=row.policy_id,
                suggested_policy=row.suggested_policy,
                decided_at=row.decided_at,
                taken_at=row.taken_at,
                analyst_since=since.get(row.decided_by),
                area_sampled_this_week=counts[row.harm_area],
            )
            why = sampling.reasons(facts, config.sampling)
            if not why:
                continue
            counts[row.harm_area] += 1
            sample = QaSample(
                decision_id=row.decision_id,
                case_key=row.case_key,
                harm_area=row.harm_area,
                priority=row.priority,
                region=row.region,
                analyst=row.decided_by,
                policy_id=row.policy_id,
                violation=row.violation,
                decided_at=row.decided_at,
                reasons=why,
                status="waiting",
                created_at=now,
            )
            session.add(sample)
            session.flush()
            audit.record(
                session,
                at=now,
                actor="system:quality",
                action="qa.sampled",
                object_type="qa_sample",
                object_id=f"QA-{sample.id}",
                after={"case": row.case_key, "decision": row.decision_id, "reasons": why},
            )
        state.last_decision_id = rows[-1].decision_id
        return len(rows)


def _state(session: Session) -> QaSamplingState:
    state = session.get(QaSamplingState, 1, with_for_update=True)
    if state is not None:
        return state
    try:
        with session.begin_nested():
            session.add(QaSamplingState(id=1, last_decision_id=0))
    except IntegrityError:
        pass  # another worker made it first
    state = session.get(QaSamplingState, 1, with_for_update=True)
    assert state is not None
    return state


def get_or_raise(session: Session, *, sample_id: int, for_update: bool = False) -> QaSample:
    sample = session.get(QaSample, sample_id, with_for_update=for_update)
    if sample is None:
        raise NotFound(f"no QA sample {sample_id}")
    return sample


def queue(session: Session, *, reviewer: str, limit: int = 100) -> Sequence[QaSample]:
    """What ``reviewer`` may review: their own samples in review first, then waiting ones (never
    their own decisions), P0 first, oldest first."""
    return session.scalars(
        select(QaSample)
        .where(
            QaSample.analyst != reviewer,
            (QaSample.status == "waiting")
            | ((QaSample.status == "in_review") & (QaSample.reviewer == reviewer)),
        )
        .order_by(
            case((QaSample.status == "in_review", 0), else_=1),
            QaSample.priority,
            QaSample.decided_at,
            QaSample.id,
        )
        .limit(limit)
    ).all()


def claim(session: Session, clock: Clock, *, sample_id: int, by: User) -> QaSample:
    """Take a sample to review; nobody reviews their own decision."""
    sample = get_or_raise(session, sample_id=sample_id, for_update=True)
    if sample.analyst == by.username:
        raise Forbidden("nobody reviews their own decision; take another sample")
    if sample.status == "in_review" and sample.reviewer == by.username:
        return sample
    if sample.status != "waiting":
        held = f" by {sample.reviewer}" if sample.reviewer else ""
        raise Conflict(f"QA-{sample.id} is {sample.status.replace('_', ' ')}{held}")
    sample.status, sample.reviewer, sample.claimed_at = "in_review", by.username, clock.now()
    audit.record(
        session,
        at=sample.claimed_at,
        actor=f"user:{by.username}",
        action="qa.claimed",
        object_type="qa_sample",
        object_id=f"QA-{sample.id}",
    )
    return sample


@dataclass(frozen=True)
class Verdict:
    policy_id: str
    violation: bool

    @property
    def label(self) -> str:
        return f"{self.policy_id}/{'violation' if self.violation else 'no violation'}"


def submit(
    session: Session,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    sample_id: int,
    by: User,
    policy_id: str,
    violation: bool,
    rationale: str,
    note_to_analyst: str,
) -> QaReview:
    """The reviewer's verdict, given blind; disagreement goes to a lead to adjudicate, and the
    note (or, on disagreement, the rationale) reaches the analyst as feedback."""
    if taxonomy.policy(policy_id) is None:
        raise Invalid(
            f"unknown policy {policy_id!r}",
            fields=[{"loc": ["body", "policy_id"], "msg": "not a policy of the taxonomy"}],
        )
    sample = get_or_raise(session, sample_id=sample_id, for_update=True)
    if sample.status != "in_review" or sample.reviewer != by.username:
        raise Conflict(
            f"QA-{sample.id} is {sample.status.replace('_', ' ')}"
            + (f" by {sample.reviewer}" if sample.reviewer else "")
            + "; take it from the QA queue first"
        )
    now = clock.now()
    agrees = policy_id == sample.policy_id and violation == sample.violation
    review = QaReview(
        sample_id=sample.id,
        reviewer=by.username,
        policy_id=policy_id,
        violation=violation,
        rationale=rationale,
        agrees=agrees,
        submitted_at=now,
    )
    session.add(review)
    sample.status = "agreed" if agrees else "to_adjudicate"
    note = note_to_analyst.strip() or ("" if agrees else rationale)
    if note:
        session.add(
            QaFeedback(
                sample_id=sample.id,
                analyst=sample.analyst,
                reviewer=by.username,
                note=note,
                state="new",
                created_at=now,
            )
        )
    session.flush()
    audit.record(
        session,
        at=now,
        actor=f"user:{by.username}",
        action="qa.reviewed",
        object_type="qa_sample",
        object_id=f"QA-{sample.id}",
        after={"policy_id": policy_id, "violation": violation, "agrees": agrees},
    )
    return review


def review_of(session: Session, *, sample_id: int) -> QaReview | None:
    return session.scalar(select(QaReview).where(QaReview.sample_id == sample_id))


def adjudication_of(session: Session, *, sample_id: int) -> QaAdjudication | None:
    return session.get(QaAdjudication, sample_id)


def adjudicate(
    session: Session,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    sample_id: int,
    by: User,
    policy_id: str,
    violation: bool,
    note: str,
) -> QaAdjudication:
    """A lead's final verdict on a disagreement (or on a disputed review)."""
    if taxonomy.policy(policy_id) is None:
        raise Invalid(
            f"unknown policy {policy_id!r}",
            fields=[{"loc": ["body", "policy_id"], "msg": "not a policy of the taxonomy"}],
        )
    sample = get_or_raise(session, sample_id=sample_id, for_update=True)
    if sample.status not in {"to_adjudicate", "adjudicated", "agreed"}:
        raise Conflict(f"QA-{sample.id} has not been reviewed yet: nothing to adjudicate")
    if by.username in {sample.analyst, sample.reviewer}:
        raise Forbidden("the analyst or the reviewer may not adjudicate their own disagreement")
    now = clock.now()
    row = session.get(QaAdjudication, sample.id)
    before = None if row is None else {"policy_id": row.policy_id, "violation": row.violation}
    if row is None:
        row = QaAdjudication(
            sample_id=sample.id,
            by=by.username,
            policy_id=policy_id,
            violation=violation,
            note=note,
            at=now,
        )
        session.add(row)
    else:
        row.by, row.policy_id, row.violation, row.note, row.at = (
            by.username,
            policy_id,
            violation,
            note,
            now,
        )
    sample.status = "adjudicated"
    audit.record(
        session,
        at=now,
        actor=f"user:{by.username}",
        action="qa.adjudicated",
        object_type="qa_sample",
        object_id=f"QA-{sample.id}",
        before=before,
        after={"policy_id": policy_id, "violation": violation, "note": note},
    )
    return row


def final_verdict(
    sample: QaSample, review: QaReview | None, ruling: QaAdjudication | None
) -> Verdict | None:
    """What the decision is measured against: the lead's ruling, else the review it agreed
    with; None while a disagreement waits for a ruling."""
    if ruling is not None:
        return Verdict(ruling.policy_id, ruling.violation)
    if review is not None and review.agrees:
        return Verdict(review.policy_id, review.violation)
    return None


def reviewed_between(
    session: Session, *, start: datetime, end: datetime
) -> list[tuple[QaSample, QaReview, QaAdjudication | None]]:
    """Every reviewed sample whose decision was made in [start, end)."""
    rows = session.execute(
        select(QaSample, QaReview, QaAdjudication)
        .join(QaReview, QaReview.sample_id == QaSample.id)
        .outerjoin(QaAdjudication, QaAdjudication.sample_id == QaSample.id)
        .where(QaSample.decided_at >= start, QaSample.decided_at < end)
        .order_by(QaSample.id)
    ).all()
    return [(s, r, a) for s, r, a in rows]


def final_verdicts_by_case(session: Session) -> dict[int, tuple[str, bool]]:
    """What each reviewed case was finally judged: case id -> (policy id, violation). A lead's
    golden verdict first, else the final verdict of the latest reviewed decision (a ruling, or
    the review that agreed); cases still waiting for a ruling are left out."""
    found: dict[int, tuple[str, bool]] = {}
    rows = session.execute(
        select(QaSample, QaReview, QaAdjudication)
        .join(QaReview, QaReview.sample_id == QaSample.id)
        .outerjoin(QaAdjudication, QaAdjudication.sample_id == QaSample.id)
        .order_by(QaSample.decision_id)
    ).all()
    for sample, review, ruling in rows:
        verdict = final_verdict(sample, review, ruling)
        case_id = parse_case_key(sample.case_key)
        if verdict is not None and case_id is not None:
            found[case_id] = (verdict.policy_id, verdict.violation)
    return {**found, **golden.verdicts_of_golden(session)}


def verdicts_changed(
    session: Session, *, since: datetime | None
) -> list[tuple[int, str, datetime, bool, datetime]]:
    """Reviewed samples whose final verdict was given after ``since`` (a review that agreed, or
    a lead's ruling): (decision id, case key, decided at, whether the verdict agrees with the
    analyst, when it was given), oldest verdict first. Insights counts QA accuracy from these."""
    query = (
        select(QaSample, QaReview, QaAdjudication)
        .join(QaReview, QaReview.sample_id == QaSample.id)
        .outerjoin(QaAdjudication, QaAdjudication.sample_id == QaSample.id)
    )
    if since is not None:
        query = query.where((QaReview.submitted_at > since) | (QaAdjudication.at > since))
    found = []
    for sample, review, ruling in session.execute(query):
        verdict = final_verdict(sample, review, ruling)
        if verdict is None:
            continue
        agrees = (verdict.policy_id, verdict.violation) == (sample.policy_id, sample.violation)
        given = ruling.at if ruling is not None else review.submitted_at
        found.append((sample.decision_id, sample.case_key, sample.decided_at, agrees, given))
    return sorted(found, key=lambda f: f[4])
