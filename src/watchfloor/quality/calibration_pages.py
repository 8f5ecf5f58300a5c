"""Console routes for calibration exercises: a lead sets one (title, people, past cases); each
participant decides its cases blind, never seeing a case's decision nor anyone's answers; once
it is closed, the report shows where the team diverges, policy by policy. A refusal comes back
on the page the form came from, with its status, next to the field it is about."""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.quality import calibration
from watchfloor.quality.models import Calibration
from watchfloor.quality.pages import policy_title, required, verdict_of
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Member = Annotated[Visitor, page_for(Permission.CASES_READ)]
Answering = Annotated[Visitor, posted_for(Permission.CASES_READ)]
Leading = Annotated[Visitor, posted_for(Permission.QUALITY_MANAGE)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
REFUSALS = (Invalid, Conflict, Forbidden, NotFound)
_SEPARATORS = re.compile(r"[\s,;]+")


def _listed(text: str) -> list[str]:
    """Names or case keys written one a line, or separated by commas or spaces."""
    return [part for part in _SEPARATORS.split(text) if part]


def _visible(exercise: Calibration, visitor: Visitor) -> None:
    if visitor.username not in exercise.participants and not visitor.can(Permission.QUALITY_MANAGE):
        raise Forbidden("only its participants and leads see a calibration exercise")


def _list_page(
    request: Request,
    db: Session,
    visitor: Visitor,
    *,
    status: int = 200,
    problems: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lead = visitor.can(Permission.QUALITY_MANAGE)
    rows = []
    for exercise in calibration.list_for(db, username=visitor.username, manager=lead):
        cases = len(calibration.items(db, calibration_id=exercise.id))
        answered = calibration.answers_of(db, calibration_id=exercise.id)
        rows.append(
            {
                "exercise": exercise,
                "cases": cases,
                "mine": sum(1 for a in answered if a.participant == visitor.username),
                "answered": len(answered),
                "expected": cases * len(exercise.participants),
                "taking_part": visitor.username in exercise.participants,
            }
        )
    return render(
        request,
        "qa_calibrations.html",
        visitor,
        status=status,
        rows=rows,
        lead=lead,
        problems=problems or {},
        form=form or {},
    )


@router.get("/qa/calibrations")
def list_page(request: Request, db: DbSession, visitor: Member) -> HTMLResponse:
    """The exercises you take part in and what you still have to answer; for a lead, every
    exercise with its progress, and the form to set a new one."""
    return _list_page(request, db, visitor)


@router.post("/qa/calibrations")
def create(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    visitor: Leading,
    title: Short = "",
    participants: Long = "",
    cases: Long = "",
) -> Response:
    form = {"title": title, "participants": participants, "cases": cases}
    try:
        exercise = calibration.create(
            db,
            clock,
            title=required(title, "title", "give the exercise a title"),
            case_keys=_listed(cases),
            participants=_listed(participants),
            by=visitor.user,
        )
    except Invalid as exc:
        db.rollback()
        problems = {str(f["loc"][-1]): exc.message for f in exc.fields} or {"": exc.message}
        return _list_page(request, db, visitor, status=exc.status, problems=problems, form=form)
    return redirect(f"/qa/calibrations/{exercise.id}?created=1")


def _exercise_page(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    calibration_id: int,
    *,
    status: int = 200,
    problem: str = "",
    where: int = 0,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    exercise = calibration.get_or_raise(db, calibration_id=calibration_id)
    _visible(exercise, visitor)
    taxonomy = runtime.config.taxonomy
    rows = calibration.items(db, calibration_id=exercise.id)
    given = calibration.answers_of(db, calibration_id=exercise.id)
    taking_part = visitor.username in exercise.participants
    items = []
    if taking_part and exercise.closed_at is None:
        # Blind: the case's reports only, never its decision nor anyone else's answer.
        mine = {a.item_id: a for a in given if a.participant == visitor.username}
        withheld = exposure.withheld_areas(taxonomy, role=visitor.user.role)
        texts = calibration.case_texts(db, items=rows, withheld=withheld)
        items = [
            {
                "item": r,
                "reports": texts[r.id] or [],
                "withheld": exposure.NOT_FOR_YOUR_ROLE if texts[r.id] is None else None,
                "mine": mine.get(r.id),
            }
            for r in rows
        ]
    per_person = Counter(a.participant for a in given)
    return render(
        request,
        "qa_calibration.html",
        visitor,
        status=status,
        exercise=exercise,
        key=f"CAL-{exercise.id}",
        cases=len(rows),
        items=items,
        taking_part=taking_part,
        lead=visitor.can(Permission.QUALITY_MANAGE),
        progress=[(p, per_person.get(p, 0)) for p in exercise.participants],
        harm_areas=taxonomy.harm_areas,
        title_of=lambda p: policy_title(taxonomy, p),
        created=request.query_params.get("created") == "1",
        saved=request.query_params.get("saved", ""),
        problem=problem,
        where=where,
        form=form or {},
    )


@router.get("/qa/calibrations/{calibration_id}")
def exercise_page(
    request: Request, calibration_id: IdPath, db: DbSession, runtime: RuntimeDep, visitor: Member
) -> HTMLResponse:
    """The exercise: for a participant, its cases to decide blind; for a lead, who has answered
    how many, and the button to close it."""
    return _exercise_page(request, db, runtime, visitor, calibration_id)


@router.post("/qa/calibrations/{calibration_id}/items/{item_id}/answer")
def answer(
    request: Request,
    calibration_id: IdPath,
    item_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Answering,
    policy_id: Short = "",
    violation: Short = "",
    rationale: Long = "",
) -> Response:
    """Your answer to one case; you may change it until the exercise closes."""
    try:
        policy, violates = verdict_of(policy_id, violation)
        calibration.answer(
            db,
            clock,
            runtime.config.taxonomy,
            calibration_id=calibration_id,
            item_id=item_id,
            by=visitor.user,
            policy_id=policy,
            violation=violates,
            rationale=required(rationale, "rationale", "write your rationale"),
        )
    except REFUSALS as exc:
        db.rollback()
        form = {"policy_id": policy_id, "violation": violation, "rationale": rationale}
        return _exercise_page(
            request,
            db,
            runtime,
            visitor,
            calibration_id,
            status=exc.status,
            problem=exc.message,
            where=item_id,
            form=form,
        )
    return redirect(f"/qa/calibrations/{calibration_id}?saved={item_id}#item-{item_id}")


@router.post("/qa/calibrations/{calibration_id}/close")
def close(
    request: Request,
    calibration_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Leading,
) -> Response:
    """No more answers; its participants may read the report."""
    try:
        calibration.close(db, clock, calibration_id=calibration_id, by=visitor.user)
    except REFUSALS as exc:
        db.rollback()
        return _exercise_page(
            request, db, runtime, visitor, calibration_id, status=exc.status, problem=exc.message
        )
    return redirect(f"/qa/calibrations/{calibration_id}/report?closed=1")


@router.get("/qa/calibrations/{calibration_id}/report")
def report_page(
    request: Request, calibration_id: IdPath, db: DbSession, runtime: RuntimeDep, visitor: Member
) -> HTMLResponse:
    """Where the team diverges: Krippendorff's alpha overall and per policy with its interval and
    n, and each case's answers against its decision, the widest spread first. A lead reads it at
    any time; participants once the exercise is closed."""
    exercise = calibration.get_or_raise(db, calibration_id=calibration_id)
    _visible(exercise, visitor)
    lead = visitor.can(Permission.QUALITY_MANAGE)
    if exercise.closed_at is None and not lead:
        raise Forbidden("the report opens to participants once the exercise is closed")
    taxonomy = runtime.config.taxonomy

    def verdict(label: str) -> str:
        policy_id, _, outcome = label.rpartition("/")
        return f"{policy_title(taxonomy, policy_id)}, {outcome}"

    return render(
        request,
        "qa_calibration_report.html",
        visitor,
        exercise=exercise,
        key=f"CAL-{exercise.id}",
        report=calibration.report(db, calibration_id=calibration_id),
        title_of=lambda p: policy_title(taxonomy, p),
        verdict=verdict,
        lead=lead,
        closed_now=request.query_params.get("closed") == "1",
    )
