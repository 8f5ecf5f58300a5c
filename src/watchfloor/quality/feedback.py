"""Feedback from review to the analyst: they read it in their console and acknowledge it, or
dispute it; a dispute goes to a lead, who upholds the review or overturns it. Overturning makes
the analyst's original decision the final verdict (an adjudication), upholding the reviewer's."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Forbidden, NotFound
from watchfloor.quality import service
from watchfloor.quality.models import QaFeedback, QaSample
from watchfloor.triage.taxonomy import Taxonomy


def _get(session: Session, feedback_id: int) -> QaFeedback:
    row = session.get(QaFeedback, feedback_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no feedback {feedback_id}")
    return row


def for_analyst(session: Session, *, analyst: str, limit: int = 100) -> Sequence[QaFeedback]:
    """The analyst's feedback, unanswered first, newest first."""
    return session.scalars(
        select(QaFeedback)
        .where(QaFeedback.analyst == analyst)
        .order_by((QaFeedback.state != "new"), QaFeedback.created_at.desc(), QaFeedback.id.desc())
        .limit(limit)
    ).all()


def disputes(session: Session, *, limit: int = 100) -> Sequence[QaFeedback]:
    """Disputed feedback waiting for a lead, oldest first."""
    return session.scalars(
        select(QaFeedback)
        .where(QaFeedback.state == "disputed")
        .order_by(QaFeedback.responded_at, QaFeedback.id)
        .limit(limit)
    ).all()


def answer(
    session: Session, clock: Clock, *, feedback_id: int, by: User, dispute: bool, response: str
) -> QaFeedback:
    """The analyst acknowledges, or disputes with their reason."""
    row = _get(session, feedback_id)
    if row.analyst != by.username:
        raise Forbidden("only the analyst the feedback is for may answer it")
    if row.state != "new":
        raise Conflict(f"this feedback is already {row.state}")
    row.state = "disputed" if dispute else "acknowledged"
    row.response, row.responded_at = response, clock.now()
    audit.record(
        session,
        at=row.responded_at,
        actor=f"user:{by.username}",
        action="qa.feedback_disputed" if dispute else "qa.feedback_acknowledged",
        object_type="qa_sample",
        object_id=f"QA-{row.sample_id}",
        after={"feedback": row.id, "response": response},
    )
    return row


def resolve(
    session: Session,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    feedback_id: int,
    by: User,
    overturn: bool,
    note: str,
) -> QaFeedback:
    """A lead's answer to a dispute; it also settles the sample's final verdict."""
    row = _get(session, feedback_id)
    if row.state != "disputed":
        raise Conflict(f"this feedback is {row.state}, not disputed")
    sample = session.get(QaSample, row.sample_id)
    review = service.review_of(session, sample_id=row.sample_id)
    assert sample is not None and review is not None
    final = (
        (sample.policy_id, sample.violation)
        if overturn
        else (
            review.policy_id,
            review.violation,
        )
    )
    service.adjudicate(
        session,
        clock,
        taxonomy,
        sample_id=sample.id,
        by=by,
        policy_id=final[0],
        violation=final[1],
        note=f"dispute {'overturned' if overturn else 'upheld'}: {note}",
    )
    row.state = "overturned" if overturn else "upheld"
    row.resolved_by, row.resolution, row.resolved_at = by.username, note, clock.now()
    return row
