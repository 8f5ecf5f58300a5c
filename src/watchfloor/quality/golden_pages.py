"""Console routes for the golden set: the list with each case's copies and scores, the
per-analyst accuracy on golden copies, marking a decided case golden (also from the case page)
and retiring one. A refusal comes back on the page with its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.quality import golden
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Visitor, page_for(Permission.QUALITY_REVIEW)]
Ruling = Annotated[Visitor, posted_for(Permission.QUALITY_MANAGE)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
REFUSALS = (Invalid, Conflict, Forbidden, NotFound)


def _page(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    rows, stats, scores = golden.report(db)
    taxonomy = runtime.config.taxonomy
    return render(
        request,
        "qa_golden.html",
        visitor,
        status=status,
        rows=rows,
        stats=stats,
        scores=scores,
        areas={a.id: a.title for a in taxonomy.harm_areas},
        policies=[(a.title, list(a.policies)) for a in taxonomy.harm_areas],
        may_manage=visitor.can(Permission.QUALITY_MANAGE),
        problem=problem,
        form=form or {},
    )


@router.get("/qa/golden")
def golden_page(
    request: Request, db: DbSession, runtime: RuntimeDep, visitor: Reviewer
) -> HTMLResponse:
    """The golden set and each analyst's accuracy on the golden copies they decided."""
    return _page(request, db, runtime, visitor)


@router.post("/qa/golden")
def mark(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Ruling,
    case: Short = "",
    policy_id: Short = "",
    violation: Short = "",
    explanation: Long = "",
) -> Response:
    """Mark a decided case golden with its agreed verdict (the form on the case page, or here)."""
    form = {
        "case": case,
        "policy_id": policy_id,
        "violation": violation,
        "explanation": explanation,
    }
    try:
        missing = [
            name
            for name, given in (
                ("case", case.strip()),
                ("policy_id", policy_id.strip()),
                ("violation", violation in {"yes", "no"}),
                ("explanation", explanation.strip()),
            )
            if not given
        ]
        if missing:
            raise Invalid(
                "fill in " + ", ".join(m.replace("_", " ") for m in missing),
                fields=[{"loc": ["body", m], "msg": "required"} for m in missing],
            )
        golden.mark(
            db,
            clock,
            runtime.config.taxonomy,
            case_key=case.strip(),
            by=visitor.user,
            policy_id=policy_id.strip(),
            violation=violation == "yes",
            explanation=explanation,
        )
    except REFUSALS as exc:
        db.rollback()
        return _page(
            request, db, runtime, visitor, status=exc.status, problem=exc.message, form=form
        )
    return redirect("/qa/golden#golden-set")


@router.post("/qa/golden/{golden_id}/retire")
def retire(
    request: Request,
    golden_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Ruling,
) -> Response:
    """Open no more copies of this golden case."""
    try:
        golden.retire(db, clock, golden_id=golden_id, by=visitor.user)
    except REFUSALS as exc:
        db.rollback()
        return _page(request, db, runtime, visitor, status=exc.status, problem=exc.message)
    return redirect("/qa/golden#golden-set")
