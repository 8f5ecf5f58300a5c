"""Console routes for the floor (every queue at a glance), my work, and taking the next case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure, flows
from watchfloor.cases import service as cases
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.queues import floor
from watchfloor.queues import service as queues
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
FloorReader = Annotated[Visitor, page_for(Permission.QUEUES_READ)]
Worker = Annotated[Visitor, page_for(Permission.CASES_WORK)]
Claimer = Annotated[Visitor, posted_for(Permission.CASES_WORK)]


@router.get("/")
def home() -> Response:
    return redirect("/floor")


@router.get("/floor")
def floor_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: FloorReader
) -> HTMLResponse:
    loads = floor.floor(db, queues=runtime.config.queues, now=clock.now())
    return render(request, "floor.html", visitor, loads=loads, priorities=floor.PRIORITIES)


@router.get("/floor/live")
def floor_live(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: FloorReader
) -> HTMLResponse:
    """The queue table alone, which the floor page fetches every few seconds."""
    loads = floor.floor(db, queues=runtime.config.queues, now=clock.now())
    return render(request, "_floor_queues.html", visitor, loads=loads, priorities=floor.PRIORITIES)


@router.get("/queues/{name}")
def queue_page(
    request: Request,
    name: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: FloorReader,
) -> HTMLResponse:
    """One queue: its waiting cases in the order `next` serves them, and those being worked."""
    queue = queues.get_or_raise(runtime.config.queues, name)
    waiting, worked = floor.queue_cases(db, queue=queue.name)
    now = clock.now()
    names = flows.usernames(db, {c.assignee_id for c in worked})
    # Summaries are report text: none of a graphic area for a role that may not see evidence.
    hide = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.user.role)
    return render(
        request,
        "queue.html",
        visitor,
        queue=queue,
        waiting=[flows.case_out(c, None, now=now, withheld=hide) for c in waiting],
        worked=[
            flows.case_out(c, names.get(c.assignee_id or 0), now=now, withheld=hide) for c in worked
        ],
    )


@router.get("/my")
def my_work(
    request: Request, db: DbSession, clock: ClockDep, visitor: Worker, note: str | None = None
) -> HTMLResponse:
    held = cases.list_cases(
        db,
        where=cases.CaseFilter(status=list(queues.HELD_STATUSES), assignee_id=visitor.user.id),
        limit=200,
        before_id=None,
    )
    now = clock.now()
    mine = [flows.case_out(c, visitor.user.username, now=now) for c in held]
    mine.sort(key=lambda c: (c.priority, c.sla.first_action.due_at))
    return render(
        request,
        "my.html",
        visitor,
        cases=mine,
        exposure=exposure.exposure_today(db, clock, user=visitor.user),
        note={"none": "Nothing is waiting that you are qualified for right now."}.get(note or ""),
    )


@router.post("/next")
def take_next(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Claimer,
    queue: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Claim the most urgent case this analyst is qualified for, and open it."""
    case = queues.claim_next(
        db,
        clock,
        queues=runtime.config.queues,
        queue=queue or None,
        analyst=visitor.user,
        taxonomy=runtime.config.taxonomy,
    )
    if case is None:
        return redirect("/my?note=none")
    return redirect(f"/cases/{case.key}#case")  # focus lands on the case (console.js)
