"""Calibration routes: a lead sets an exercise; participants answer blind; the report shows
where the team diverges, policy by policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import exposure
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Forbidden
from watchfloor.http_errors import responses
from watchfloor.quality import calibration
from watchfloor.quality.models import Calibration
from watchfloor.quality.schemas import (
    CalibrationAnswerIn,
    CalibrationIn,
    CalibrationItemOut,
    CalibrationItemResultOut,
    CalibrationOut,
    CalibrationPolicyOut,
    CalibrationReportOut,
    EstimateOut,
    VerdictOut,
)

router = APIRouter(prefix="/api/v1/qa/calibrations", tags=["quality"])
Member = Annotated[User, Depends(require(Permission.CASES_READ))]
Lead = Annotated[User, Depends(require(Permission.QUALITY_MANAGE))]
ERRORS = responses(401, 403, 404, 409, 422)
ALPHA = "\u03b1"  # Krippendorff's alpha, as reports write it


def _out(
    db: Session,
    exercise: Calibration,
    user: User,
    *,
    with_items: bool,
    withheld: frozenset[str] = frozenset(),
) -> CalibrationOut:
    rows = calibration.items(db, calibration_id=exercise.id)
    mine = {
        a.item_id: a
        for a in calibration.answers_of(db, calibration_id=exercise.id, participant=user.username)
    }
    items = []
    if with_items and user.username in exercise.participants:
        texts = calibration.case_texts(db, items=rows, withheld=withheld)
        items = [
            CalibrationItemOut(
                id=r.id,
                case=r.case_key,
                reports=texts[r.id] or [],
                reports_withheld=exposure.NOT_FOR_YOUR_ROLE if texts[r.id] is None else None,
                my_answer=VerdictOut(policy_id=mine[r.id].policy_id, violation=mine[r.id].violation)
                if r.id in mine
                else None,
            )
            for r in rows
        ]
    return CalibrationOut(
        id=exercise.id,
        key=f"CAL-{exercise.id}",
        title=exercise.title,
        participants=exercise.participants,
        created_by=exercise.created_by,
        created_at=exercise.created_at,
        closed_at=exercise.closed_at,
        cases=len(rows),
        answered_by_me=len(mine),
        items=items,
    )


def _visible(exercise: Calibration, user: User) -> None:
    if user.username not in exercise.participants and not can(user.role, Permission.QUALITY_MANAGE):
        raise Forbidden("only its participants and leads see a calibration exercise")


@router.post("", status_code=201, response_model=CalibrationOut, responses=ERRORS)
def create(body: CalibrationIn, db: DbSession, clock: ClockDep, user: Lead) -> CalibrationOut:
    """Set an exercise over decided cases for two or more people."""
    exercise = calibration.create(
        db, clock, title=body.title, case_keys=body.cases, participants=body.participants, by=user
    )
    return _out(db, exercise, user, with_items=False)


@router.get("", response_model=list[CalibrationOut], responses=responses(401, 403, 422))
def list_exercises(db: DbSession, user: Member) -> list[CalibrationOut]:
    """The exercises you take part in (a lead: all of them), newest first."""
    manager = can(user.role, Permission.QUALITY_MANAGE)
    return [
        _out(db, c, user, with_items=False)
        for c in calibration.list_for(db, username=user.username, manager=manager)
    ]


@router.get("/{calibration_id}", response_model=CalibrationOut, responses=ERRORS)
def get_exercise(
    calibration_id: IdPath, db: DbSession, runtime: RuntimeDep, user: Member
) -> CalibrationOut:
    """The exercise, with the cases for you to answer (blind) if you take part."""
    exercise = calibration.get_or_raise(db, calibration_id=calibration_id)
    _visible(exercise, user)
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=user.role)
    return _out(db, exercise, user, with_items=True, withheld=withheld)


@router.put("/{calibration_id}/items/{item_id}/answer", response_model=VerdictOut, responses=ERRORS)
def answer(
    calibration_id: IdPath,
    item_id: IdPath,
    body: CalibrationAnswerIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Member,
) -> VerdictOut:
    """Your answer to one case; you may change it until the exercise closes."""
    row = calibration.answer(
        db,
        clock,
        runtime.config.taxonomy,
        calibration_id=calibration_id,
        item_id=item_id,
        by=user,
        policy_id=body.policy_id,
        violation=body.violation,
        rationale=body.rationale,
    )
    return VerdictOut(policy_id=row.policy_id, violation=row.violation)


@router.post("/{calibration_id}/close", response_model=CalibrationOut, responses=ERRORS)
def close(calibration_id: IdPath, db: DbSession, clock: ClockDep, user: Lead) -> CalibrationOut:
    """Close the exercise: no more answers; its participants may read the report."""
    return _out(
        db,
        calibration.close(db, clock, calibration_id=calibration_id, by=user),
        user,
        with_items=False,
    )


@router.get("/{calibration_id}/report", response_model=CalibrationReportOut, responses=ERRORS)
def report(calibration_id: IdPath, db: DbSession, user: Member) -> CalibrationReportOut:
    """Where the team diverges: Krippendorff's alpha overall and per policy, with its interval
    and sample size, and the cases with the widest spread of answers. A lead reads it at any
    time; participants once it is closed (so nobody's answer is swayed)."""
    exercise = calibration.get_or_raise(db, calibration_id=calibration_id)
    _visible(exercise, user)
    if exercise.closed_at is None and not can(user.role, Permission.QUALITY_MANAGE):
        raise Forbidden("the report opens to participants once the exercise is closed")
    r = calibration.report(db, calibration_id=calibration_id)
    return CalibrationReportOut(
        overall=EstimateOut.of(r.overall, ALPHA),
        answered=r.answered,
        expected=r.expected,
        policies=[
            CalibrationPolicyOut(
                policy_id=p.policy_id,
                alpha=EstimateOut.of(p.alpha, ALPHA),
                cases=p.cases,
                with_decision=p.with_decision,
            )
            for p in r.policies
        ],
        items=[
            CalibrationItemResultOut(
                case=i.case_key,
                decided=i.decided,
                answers=i.answers,
                agreeing_share=i.agreeing_share,
            )
            for i in r.items
        ],
    )
