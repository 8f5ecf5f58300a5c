"""The console's appeals (/legal/appeals): open appeals soonest due first with their clocks,
decided ones, and an appeal's page with the case's appeals and the decide form. The logic is
flows.py's and service.py's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth.permissions import Permission, can
from watchfloor.compliance.appeals import flows, service
from watchfloor.compliance.appeals.models import Appeal
from watchfloor.compliance.appeals.schemas import AppealDecisionIn, AppealOut
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render
from watchfloor.web.display import duration

router = APIRouter(include_in_schema=False)
Keeper = Annotated[Visitor, page_for(Permission.LEGAL_CLOCKS)]
Decider = Annotated[Visitor, posted_for(Permission.CASES_DECIDE)]
TABS = {"open": "Open", "decided": "Decided"}
# Words, not colour alone, say what became of an appeal.
OUTCOMES = {
    "upheld": "Upheld: the decision stands",
    "overturned": "Overturned: the decision is reversed",
}


def _rows(db: DbSession, runtime: Runtime, rows: list[Appeal]) -> list[AppealOut]:
    return service.to_out(
        db,
        rows,
        obligations=runtime.config.obligations,
        transparency=runtime.config.transparency,
        now=runtime.clock.now(),
    )


def _left(a: AppealOut, runtime: Runtime) -> str:
    if a.due_at is None:
        return ""
    seconds = int((a.due_at - runtime.clock.now()).total_seconds())
    return f"overdue by {duration(-seconds)}" if seconds < 0 else f"{duration(seconds)} left"


@router.get("/legal/appeals")
def appeals_page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Keeper,
    show: Annotated[Literal["open", "decided"], Query()] = "open",
) -> HTMLResponse:
    """Open appeals, soonest due first (or decided ones, latest first)."""
    found = _rows(db, runtime, service.list_appeals(db, state=show))
    if show == "open":
        found = service.soonest_first(found)
    rows = [{"a": a, "left": _left(a, runtime)} for a in found]
    return render(
        request, "appeals.html", visitor, rows=rows, show=show, tabs=TABS, outcomes=OUTCOMES
    )


@router.get("/legal/appeals/{appeal_id}")
def appeal_page(
    request: Request, appeal_id: IdPath, db: DbSession, runtime: RuntimeDep, visitor: Keeper
) -> HTMLResponse:
    """An appeal, every appeal of its case with its outcome, and the decide form."""
    row = service.get_or_raise(db, appeal_id=appeal_id)
    [appeal] = _rows(db, runtime, [row])
    of_case = _rows(db, runtime, service.of_case(db, case_id=row.case_id))
    return render(
        request,
        "appeal.html",
        visitor,
        appeal=appeal,
        left=_left(appeal, runtime),
        of_case=of_case,
        outcomes=OUTCOMES,
        may_decide=can(visitor.role, Permission.CASES_DECIDE)
        and visitor.username != appeal.decision.decided_by,
    )


@router.post("/legal/appeals/{appeal_id}/decision")
def decide(
    appeal_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Decider,
    outcome: Annotated[Literal["upheld", "overturned"], Form()],
    reasons: Annotated[str, Form(min_length=1, max_length=10000)],
    changes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    flows.decide(
        db,
        clock,
        appeal_id=appeal_id,
        body=AppealDecisionIn(outcome=outcome, reasons=reasons, changes=changes or None),
        actor=visitor.user,
        can_act_for_others=can(visitor.role, Permission.CASES_ASSIGN_ANY),
        obligations=runtime.config.obligations,
        transparency=runtime.config.transparency,
    )
    return redirect(f"/legal/appeals/{appeal_id}")
