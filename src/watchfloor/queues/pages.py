"""Console routes for the floor (every queue at a glance), my work, and taking the next case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth import saved_views
from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure, flows, listing
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import OPEN_STATUSES, Status
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.incidents.pages import banner
from watchfloor.queues import floor
from watchfloor.queues import service as queues
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
FloorReader = Annotated[Visitor, page_for(Permission.QUEUES_READ)]
Worker = Annotated[Visitor, page_for(Permission.CASES_WORK)]
Claimer = Annotated[Visitor, posted_for(Permission.CASES_WORK)]
OPEN_STATUS_VALUES = [s.value for s in Status if s in OPEN_STATUSES]


@router.get("/")
def home() -> Response:
    return redirect("/floor")


@router.get("/floor")
def floor_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: FloorReader
) -> HTMLResponse:
    loads = floor.floor(db, queues=runtime.config.queues, now=clock.now())
    incidents = banner(db, runtime.config.incidents, clock.now())
    return render(
        request,
        "floor.html",
        visitor,
        loads=loads,
        priorities=floor.PRIORITIES,
        incidents=incidents,
    )


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
    """One queue's open cases, a page at a time: by default those waiting, in the order `next`
    serves them; filtered and sorted by the query string (a bad value: 422 naming it)."""
    queue = queues.get_or_raise(runtime.config.queues, name)
    params = request.query_params
    query, problems = listing.parse(
        params,
        harm_areas=set(runtime.config.taxonomy.area_ids),
        statuses=OPEN_STATUS_VALUES,
        extra=("show",),
    )
    show = params.get("show") or "waiting"
    if show not in floor.SHOWS:
        problems.append(f"show: {show!r} is not one of {', '.join(floor.SHOWS)}")
        show = "waiting"
    now = clock.now()
    page = None
    if not problems:
        page = floor.queue_cases(
            db,
            queue=queue.name,
            show=show,
            query=query,
            now=now,
            assignee_id=listing.assignee_id_of(db, query),
        )
    found = page.cases if page else []
    names = flows.usernames(db, {c.assignee_id for c in found})
    # Summaries are report text: none of a graphic area for a role that may not see evidence.
    hide = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.user.role)
    view_page = f"queue:{queue.name}"
    return render(
        request,
        "queue.html",
        visitor,
        status=422 if problems else 200,
        queue=queue,
        show=show,
        shows=floor.SHOWS,
        query=query,
        problems=problems,
        page=page,
        cases=[
            flows.case_out(c, names.get(c.assignee_id or 0), now=now, withheld=hide) for c in found
        ],
        here=f"/queues/{queue.name}",
        choices=listing.choices(runtime.config.taxonomy, OPEN_STATUS_VALUES),
        view_page=view_page,
        views=saved_views.list_views(db, user_id=visitor.user.id, page=view_page),
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
