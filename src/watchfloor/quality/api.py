"""Quality routes: the QA queue, blind review, adjudication, feedback and agreement tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases.schemas import parse_case_key
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.intake import service as intake
from watchfloor.quality import feedback, service, tables
from watchfloor.quality.models import QaFeedback, QaSample
from watchfloor.quality.schemas import (
    AdjudicateIn,
    AgreementRowOut,
    AnswerIn,
    EstimateOut,
    FeedbackOut,
    ResolveIn,
    ReviewIn,
    SampleOut,
    VerdictOut,
)

router = APIRouter(prefix="/api/v1/qa", tags=["quality"])
Reviewer = Annotated[User, Depends(require(Permission.QUALITY_REVIEW))]
Lead = Annotated[User, Depends(require(Permission.QUALITY_MANAGE))]
Analyst = Annotated[User, Depends(require(Permission.CASES_WORK))]
ERRORS = responses(401, 403, 404, 409, 422)


def sample_out(db: Session, sample: QaSample) -> SampleOut:
    """The sample, blind until reviewed: no original decision, no analyst."""
    review = service.review_of(db, sample_id=sample.id)
    ruling = service.adjudication_of(db, sample_id=sample.id)
    case_id = parse_case_key(sample.case_key)
    texts = [t for _, t in intake.texts_of_cases(db, case_ids=[case_id] if case_id else [])]
    final = service.final_verdict(sample, review, ruling)
    return SampleOut(
        id=sample.id,
        key=f"QA-{sample.id}",
        case=sample.case_key,
        harm_area=sample.harm_area,
        priority=sample.priority,
        region=sample.region,
        reasons=sample.reasons,
        status=sample.status,
        reviewer=sample.reviewer,
        decided_at=sample.decided_at,
        reports=texts,
        original=VerdictOut(policy_id=sample.policy_id, violation=sample.violation)
        if review is not None
        else None,
        analyst=sample.analyst if review is not None else None,
        review=VerdictOut(policy_id=review.policy_id, violation=review.violation)
        if review is not None
        else None,
        final=VerdictOut(policy_id=final.policy_id, violation=final.violation) if final else None,
    )


def feedback_out(row: QaFeedback, case_key: str) -> FeedbackOut:
    return FeedbackOut(
        id=row.id,
        sample=f"QA-{row.sample_id}",
        case=case_key,
        reviewer=row.reviewer,
        note=row.note,
        state=row.state,
        response=row.response,
        resolution=row.resolution,
        created_at=row.created_at,
    )


def _feedback_list(db: Session, rows: list[QaFeedback]) -> list[FeedbackOut]:
    cases = {s.id: s.case_key for s in (db.get(QaSample, r.sample_id) for r in rows) if s}
    return [feedback_out(r, cases.get(r.sample_id, "")) for r in rows]


@router.get("/queue", response_model=list[SampleOut], responses=responses(401, 403, 422))
def get_queue(
    db: DbSession, user: Reviewer, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[SampleOut]:
    """Samples you may review (never your own decisions): yours in review first, P0 first."""
    return [sample_out(db, s) for s in service.queue(db, reviewer=user.username, limit=limit)]


@router.get("/samples/{sample_id}", response_model=SampleOut, responses=ERRORS)
def get_sample(sample_id: IdPath, db: DbSession, user: Reviewer) -> SampleOut:
    return sample_out(db, service.get_or_raise(db, sample_id=sample_id))


@router.post("/samples/{sample_id}/claim", response_model=SampleOut, responses=ERRORS)
def claim(sample_id: IdPath, db: DbSession, clock: ClockDep, user: Reviewer) -> SampleOut:
    """Take a sample to review. The original decision stays hidden until you submit."""
    return sample_out(db, service.claim(db, clock, sample_id=sample_id, by=user))


@router.post("/samples/{sample_id}/review", response_model=SampleOut, responses=ERRORS)
def review(
    sample_id: IdPath,
    body: ReviewIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Reviewer,
) -> SampleOut:
    """Your verdict, given blind; the answer shows the original decision and whether you
    agreed. A disagreement goes to a lead to adjudicate."""
    service.submit(
        db,
        clock,
        runtime.config.taxonomy,
        sample_id=sample_id,
        by=user,
        policy_id=body.policy_id,
        violation=body.violation,
        rationale=body.rationale,
        note_to_analyst=body.note_to_analyst,
    )
    return sample_out(db, service.get_or_raise(db, sample_id=sample_id))


@router.post("/samples/{sample_id}/adjudicate", response_model=SampleOut, responses=ERRORS)
def adjudicate(
    sample_id: IdPath,
    body: AdjudicateIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Lead,
) -> SampleOut:
    """A lead's final verdict where reviewer and analyst disagree."""
    service.adjudicate(
        db,
        clock,
        runtime.config.taxonomy,
        sample_id=sample_id,
        by=user,
        policy_id=body.policy_id,
        violation=body.violation,
        note=body.note,
    )
    return sample_out(db, service.get_or_raise(db, sample_id=sample_id))


@router.get("/feedback", response_model=list[FeedbackOut], responses=responses(401, 403, 422))
def my_feedback(db: DbSession, user: Analyst) -> list[FeedbackOut]:
    """Feedback on your decisions, unanswered first."""
    return _feedback_list(db, list(feedback.for_analyst(db, analyst=user.username)))


@router.post("/feedback/{feedback_id}/answer", response_model=FeedbackOut, responses=ERRORS)
def answer(
    feedback_id: IdPath, body: AnswerIn, db: DbSession, clock: ClockDep, user: Analyst
) -> FeedbackOut:
    """Acknowledge feedback, or dispute it with your reason (it goes to a lead)."""
    if body.dispute and not body.response.strip():
        raise Invalid(
            "a dispute needs its reason",
            fields=[{"loc": ["body", "response"], "msg": "required to dispute"}],
        )
    row = feedback.answer(
        db, clock, feedback_id=feedback_id, by=user, dispute=body.dispute, response=body.response
    )
    return _feedback_list(db, [row])[0]


@router.get("/disputes", response_model=list[FeedbackOut], responses=responses(401, 403, 422))
def disputes(db: DbSession, user: Lead) -> list[FeedbackOut]:
    """Disputed feedback waiting for a lead, oldest first."""
    return _feedback_list(db, list(feedback.disputes(db)))


@router.post("/feedback/{feedback_id}/resolve", response_model=FeedbackOut, responses=ERRORS)
def resolve(
    feedback_id: IdPath,
    body: ResolveIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Lead,
) -> FeedbackOut:
    """Uphold the review, or overturn it (the analyst's decision becomes the final verdict)."""
    row = feedback.resolve(
        db,
        clock,
        runtime.config.taxonomy,
        feedback_id=feedback_id,
        by=user,
        overturn=body.outcome == "overturned",
        note=body.note,
    )
    return _feedback_list(db, [row])[0]


@router.get("/agreement", response_model=list[AgreementRowOut], responses=responses(401, 403, 422))
def agreement_table(
    db: DbSession,
    clock: ClockDep,
    user: Reviewer,
    by: tables.By = "analyst",
    start: Annotated[
        datetime | None, Query(alias="from", description="Default: 28 days ago.")
    ] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Default: now.")] = None,
) -> list[AgreementRowOut]:
    """Agreement (share and Cohen's kappa) between analyst and reviewer, and the analyst's
    accuracy against the final verdict, per group, each with its 95% interval and sample size."""
    until = end or clock.now()
    since = start or until - timedelta(days=28)
    for name, value in (("from", since), ("to", until)):
        if value.tzinfo is None:
            raise Invalid(
                f"{name} needs a UTC offset",
                fields=[{"loc": ["query", name], "msg": "needs a UTC offset"}],
            )
    if since >= until:
        raise Invalid(
            "from must be before to", fields=[{"loc": ["query", "from"], "msg": "after to"}]
        )
    return [
        AgreementRowOut(
            group=r.group,
            reviewed=r.reviewed,
            agreement=EstimateOut.of(r.agreement, "agreement", percent=True),
            kappa=EstimateOut.of(r.kappa, "κ"),
            accuracy=EstimateOut.of(r.accuracy, "accuracy", percent=True),
            awaiting_ruling=r.awaiting_ruling,
        )
        for r in tables.table(db, by=by, start=since, end=until)
    ]
