"""Console routes for quality review: the QA queue and the blind review form (with a lead's
ruling on a disagreement); feedback, disputes and the agreement tables are in
``feedback_pages``. A refusal comes back on the page the form came from, with its status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.quality import service
from watchfloor.quality.feedback_pages import router as feedback_router
from watchfloor.quality.golden_pages import router as golden_router
from watchfloor.quality.views import sample_out
from watchfloor.runtime import Runtime
from watchfloor.triage.taxonomy import Taxonomy
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Visitor, page_for(Permission.QUALITY_REVIEW)]
Reviewing = Annotated[Visitor, posted_for(Permission.QUALITY_REVIEW)]
Ruling = Annotated[Visitor, posted_for(Permission.QUALITY_MANAGE)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
REFUSALS = (Invalid, Conflict, Forbidden, NotFound)


def verdict_of(policy_id: str, violation: str) -> tuple[str, bool]:
    """A verdict from a form: the policy chosen and a yes/no radio; 422 naming what is missing."""
    missing = {
        name: what
        for name, what, given in (
            ("policy_id", "a policy", bool(policy_id.strip())),
            ("violation", "whether it is a violation", violation in {"yes", "no"}),
        )
        if not given
    }
    if missing:
        raise Invalid(
            "choose " + " and ".join(missing.values()),
            fields=[{"loc": ["body", name], "msg": "required"} for name in missing],
        )
    return policy_id.strip(), violation == "yes"


def required(text: str, name: str, what: str) -> str:
    if not text.strip():
        raise Invalid(what, fields=[{"loc": ["body", name], "msg": "required"}])
    return text.strip()


def policy_title(taxonomy: Taxonomy, policy_id: str) -> str:
    found = taxonomy.policy(policy_id)
    return f"{policy_id}: {found[1].title}" if found else policy_id


@router.get("/qa")
def queue_page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Reviewer,
) -> HTMLResponse:
    """Samples you may review: yours in review first, then waiting ones, P0 first."""
    return _queue(request, db, runtime, visitor)


def _queue(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
) -> HTMLResponse:
    areas = {a.id: a.title for a in runtime.config.taxonomy.harm_areas}
    return render(
        request,
        "qa.html",
        visitor,
        status=status,
        samples=service.queue(db, reviewer=visitor.username),
        areas=areas,
        problem=problem,
    )


@router.post("/qa/samples/{sample_id}/claim")
def take(
    request: Request,
    sample_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Reviewing,
) -> Response:
    try:
        service.claim(db, clock, sample_id=sample_id, by=visitor.user)
    except REFUSALS as exc:
        db.rollback()
        return _queue(request, db, runtime, visitor, status=exc.status, problem=exc.message)
    return redirect(f"/qa/samples/{sample_id}")


def _sample(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    sample_id: int,
    *,
    status: int = 200,
    problem: str = "",
    where: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    taxonomy = runtime.config.taxonomy
    sample = sample_out(db, service.get_or_raise(db, sample_id=sample_id))
    # Shown only once a review is in (sample_out leaves them None before): never before.
    review = service.review_of(db, sample_id=sample_id) if sample.review else None
    ruling = service.adjudication_of(db, sample_id=sample_id) if sample.review else None
    may_rule = (
        visitor.can(Permission.QUALITY_MANAGE)
        and sample.status in {"to_adjudicate", "adjudicated"}
        and visitor.username not in {sample.analyst, sample.reviewer}
    )
    return render(
        request,
        "qa_sample.html",
        visitor,
        status=status,
        sample=sample,
        area={a.id: a.title for a in taxonomy.harm_areas}.get(sample.harm_area, sample.harm_area),
        harm_areas=taxonomy.harm_areas,
        title_of=lambda p: policy_title(taxonomy, p),
        review=review,
        ruling=ruling,
        reviewing=sample.status == "in_review" and sample.reviewer == visitor.username,
        may_rule=may_rule,
        problem=problem,
        where=where,
        form=form or {},
    )


@router.get("/qa/samples/{sample_id}")
def sample_page(
    request: Request, sample_id: IdPath, db: DbSession, runtime: RuntimeDep, visitor: Reviewer
) -> HTMLResponse:
    """The case blind (its reports and facts, not the decision nor who made it) and the review
    form; once the review is in, the original decision and whether they agree."""
    return _sample(request, db, runtime, visitor, sample_id)


def _act_then_sample(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    sample_id: int,
    where: str,
    act: Callable[[], object],
    form: dict[str, str],
) -> Response:
    try:
        act()
    except REFUSALS as exc:
        db.rollback()
        return _sample(
            request,
            db,
            runtime,
            visitor,
            sample_id,
            status=exc.status,
            problem=exc.message,
            where=where,
            form=form,
        )
    return redirect(f"/qa/samples/{sample_id}#{where}")


@router.post("/qa/samples/{sample_id}/review")
def submit_review(
    request: Request,
    sample_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Reviewing,
    policy_id: Short = "",
    violation: Short = "",
    rationale: Long = "",
    note_to_analyst: Long = "",
) -> Response:
    def act() -> None:
        policy, violates = verdict_of(policy_id, violation)
        service.submit(
            db,
            clock,
            runtime.config.taxonomy,
            sample_id=sample_id,
            by=visitor.user,
            policy_id=policy,
            violation=violates,
            rationale=required(rationale, "rationale", "write your rationale"),
            note_to_analyst=note_to_analyst,
        )

    form = {
        "policy_id": policy_id,
        "violation": violation,
        "rationale": rationale,
        "note_to_analyst": note_to_analyst,
    }
    return _act_then_sample(request, db, runtime, visitor, sample_id, "outcome", act, form)


@router.post("/qa/samples/{sample_id}/adjudicate")
def rule(
    request: Request,
    sample_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Ruling,
    policy_id: Short = "",
    violation: Short = "",
    note: Long = "",
) -> Response:
    def act() -> None:
        policy, violates = verdict_of(policy_id, violation)
        service.adjudicate(
            db,
            clock,
            runtime.config.taxonomy,
            sample_id=sample_id,
            by=visitor.user,
            policy_id=policy,
            violation=violates,
            note=required(note, "note", "write a note with your ruling"),
        )

    form = {"policy_id": policy_id, "violation": violation, "note": note}
    return _act_then_sample(request, db, runtime, visitor, sample_id, "ruling", act, form)


router.include_router(feedback_router)
router.include_router(golden_router)
