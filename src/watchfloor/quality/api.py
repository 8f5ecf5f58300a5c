"""Quality routes: the QA queue, blind review, adjudication, feedback and agreement tables."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, TimeWindow, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.quality import feedback, golden, service, tables, views
from watchfloor.quality.golden_schemas import GoldenIn, GoldenOut, GoldenScoreOut, GoldenSetOut
from watchfloor.quality.schemas import (
    AdjudicateIn,
    AgreementRowOut,
    AnswerIn,
    EstimateOut,
    FeedbackOut,
    ResolveIn,
    ReviewIn,
    SampleOut,
)

router = APIRouter(prefix="/api/v1/qa", tags=["quality"])
Reviewer = Annotated[User, Depends(require(Permission.QUALITY_REVIEW))]
Lead = Annotated[User, Depends(require(Permission.QUALITY_MANAGE))]
Analyst = Annotated[User, Depends(require(Permission.CASES_WORK))]
ERRORS = responses(401, 403, 404, 409, 422)


@router.get("/queue", response_model=list[SampleOut], responses=responses(401, 403, 422))
def get_queue(
    db: DbSession, user: Reviewer, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[SampleOut]:
    """Samples you may review (never your own decisions): yours in review first, P0 first."""
    return [views.sample_out(db, s) for s in service.queue(db, reviewer=user.username, limit=limit)]


@router.get("/samples/{sample_id}", response_model=SampleOut, responses=ERRORS)
def get_sample(sample_id: IdPath, db: DbSession, user: Reviewer) -> SampleOut:
    return views.sample_out(db, service.get_or_raise(db, sample_id=sample_id))


@router.post("/samples/{sample_id}/claim", response_model=SampleOut, responses=ERRORS)
def claim(sample_id: IdPath, db: DbSession, clock: ClockDep, user: Reviewer) -> SampleOut:
    """Take a sample to review. The original decision stays hidden until you submit."""
    return views.sample_out(db, service.claim(db, clock, sample_id=sample_id, by=user))


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
    return views.sample_out(db, service.get_or_raise(db, sample_id=sample_id))


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
    return views.sample_out(db, service.get_or_raise(db, sample_id=sample_id))


@router.get("/feedback", response_model=list[FeedbackOut], responses=responses(401, 403, 422))
def my_feedback(db: DbSession, user: Analyst) -> list[FeedbackOut]:
    """Feedback on your decisions, unanswered first."""
    return views.feedback_list(db, list(feedback.for_analyst(db, analyst=user.username)))


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
    return views.feedback_list(db, [row])[0]


@router.get("/disputes", response_model=list[FeedbackOut], responses=responses(401, 403, 422))
def disputes(db: DbSession, user: Lead) -> list[FeedbackOut]:
    """Disputed feedback waiting for a lead, oldest first."""
    return views.feedback_list(db, list(feedback.disputes(db)))


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
    return views.feedback_list(db, [row])[0]


@router.get("/agreement", response_model=list[AgreementRowOut], responses=responses(401, 403, 422))
def agreement_table(
    db: DbSession,
    user: Reviewer,
    period: TimeWindow,
    by: tables.By = "analyst",
) -> list[AgreementRowOut]:
    """Agreement (share and Cohen's kappa) between analyst and reviewer, and the analyst's
    accuracy against the final verdict, per group, each with its 95% interval and sample size."""
    since, until = period
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


@router.get("/golden", response_model=GoldenSetOut, responses=responses(401, 403, 422))
def golden_set(db: DbSession, user: Reviewer) -> GoldenSetOut:
    """The golden set (decided cases with their agreed verdict, copied unannounced into
    analysts' queues) and each analyst's accuracy on the copies they decided."""
    rows, stats, scores = golden.report(db)
    return GoldenSetOut(
        golden=[GoldenOut.of(r, stats.get(r.id)) for r in rows],
        analysts=[GoldenScoreOut.of(s) for s in scores],
    )


@router.post("/golden", status_code=201, response_model=GoldenOut, responses=ERRORS)
def mark_golden(
    body: GoldenIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Lead
) -> GoldenOut:
    """Mark a decided case golden with its agreed verdict (a retired one: again)."""
    row = golden.mark(
        db,
        clock,
        runtime.config.taxonomy,
        case_key=body.case,
        by=user,
        policy_id=body.policy_id,
        violation=body.violation,
        explanation=body.explanation,
    )
    return GoldenOut.of(row, golden.scored(db)[1].get(row.id))


@router.post("/golden/{golden_id}/retire", response_model=GoldenOut, responses=ERRORS)
def retire_golden(golden_id: IdPath, db: DbSession, clock: ClockDep, user: Lead) -> GoldenOut:
    """Open no more copies of this golden case; those open stay and are scored."""
    row = golden.retire(db, clock, golden_id=golden_id, by=user)
    return GoldenOut.of(row, golden.scored(db)[1].get(row.id))
