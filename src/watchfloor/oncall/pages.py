"""Console routes for on-call: who is on call now and next, overrides, pages to answer, and the
shift hand-off brief. The logic is the on-call services'; these routes read forms and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.clock import Clock
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.oncall import board, handoff, paging
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import OncallConfig
from watchfloor.oncall.models import Page
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.ONCALL_READ)]
Manager = Annotated[Visitor, posted_for(Permission.ONCALL_MANAGE)]
Responder = Annotated[Visitor, posted_for(Permission.PAGES_RESPOND)]
# Handing the floor over is a shift lead's act, as in the API (oncall/handoff_api.py).
Lead = Annotated[Visitor, posted_for(Permission.CASES_ASSIGN_ANY)]
Text = Annotated[str, Form(max_length=64)]
SHIFT_HOURS = 8.0
OVERRIDE_FIELDS = ("schedule", "user", "replaces", "start", "end", "reason")


def _oncall_page(
    request: Request,
    db: Session,
    clock: Clock,
    config: OncallConfig,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
    bad: frozenset[str] = frozenset(),
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    now = clock.now()
    rosters = board.rosters(db, config, now)
    return render(
        request,
        "oncall.html",
        visitor,
        status=status,
        rosters=rosters,
        overrides=board.overrides(db, config, now),
        people=board.known_people(config),
        rota=sorted({p for r in rosters for p in r.rota}),
        problem=problem,
        bad=bad,
        form=form or {},
    )


@router.get("/oncall")
def oncall_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    return _oncall_page(request, db, clock, runtime.config.oncall, visitor)


def _instant(name: str, value: str, zone: str) -> datetime:
    """A datetime-local field's value, read in the visitor's time zone (the one the console
    writes their times in), as an aware instant."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            f"{name}: {value!r} is not a date and time; write it like 2026-03-01T09:00",
            fields=[{"loc": ["body", name], "msg": "not a date and time"}],
        ) from None
    return at.replace(tzinfo=ZoneInfo(zone)) if at.tzinfo is None else at


@router.post("/oncall/overrides")
def create_override(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    schedule: Text = "",
    user: Text = "",
    replaces: Text = "",
    start: Text = "",
    end: Text = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Someone covers a shift. The service's refusal comes back on the form (422), as typed."""
    form = dict(zip(OVERRIDE_FIELDS, (schedule, user, replaces, start, end, reason), strict=True))
    try:
        oncall.create_override(
            db,
            clock,
            runtime.config.oncall,
            schedule=schedule.strip(),
            user=user.strip(),
            replaces=replaces.strip() or None,
            start=_instant("start", start, visitor.time_zone),
            end=_instant("end", end, visitor.time_zone),
            reason=reason.strip(),
            actor=f"user:{visitor.username}",
        )
    except (Invalid, NotFound) as exc:
        db.rollback()
        fields = getattr(exc, "fields", [])
        bad = frozenset(str(f["loc"][-1]) for f in fields if f.get("loc"))
        if isinstance(exc, NotFound):
            bad = frozenset({"schedule"})
        config = runtime.config.oncall
        return _oncall_page(
            request, db, clock, config, visitor, status=422, problem=exc.message, bad=bad, form=form
        )
    return redirect("/oncall#overrides")


@router.post("/oncall/overrides/{override_id}/delete")
def delete_override(
    override_id: IdPath, db: DbSession, clock: ClockDep, visitor: Manager
) -> Response:
    oncall.delete_override(db, clock, override_id=override_id, actor=f"user:{visitor.username}")
    return redirect("/oncall#overrides")


def _pages_page(
    request: Request, db: Session, visitor: Visitor, *, status: int = 200, problem: str = ""
) -> HTMLResponse:
    return render(
        request,
        "pages.html",
        visitor,
        status=status,
        open_pages=board.open_pages(db),
        resolved=board.recently_resolved(db),
        problem=problem,
    )


@router.get("/pages")
def pages_page(request: Request, db: DbSession, visitor: Reader) -> HTMLResponse:
    return _pages_page(request, db, visitor)


@router.post("/pages/{page_id}/acknowledge")
def acknowledge(
    request: Request,
    page_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Responder,
) -> Response:
    """Acknowledge as the signed-in person: escalation stops."""
    config = runtime.config.oncall

    def act(db: Session, clock: Clock, *, page_id: int, actor: str) -> Page:
        return paging.acknowledge(db, clock, config, page_id=page_id, actor=actor)

    return _respond(request, db, clock, visitor, page_id, act)


@router.post("/pages/{page_id}/resolve")
def resolve(
    request: Request, page_id: IdPath, db: DbSession, clock: ClockDep, visitor: Responder
) -> Response:
    """Resolve as the signed-in person."""
    return _respond(request, db, clock, visitor, page_id, paging.resolve)


def _respond(
    request: Request,
    db: Session,
    clock: Clock,
    visitor: Visitor,
    page_id: int,
    act: Callable[..., Page],
) -> Response:
    """``act`` on the page as the visitor; a refusal (say, acknowledging a page already resolved)
    comes back on the pages list (409) with its reason."""
    try:
        act(db, clock, page_id=page_id, actor=f"user:{visitor.username}")
    except Conflict as exc:
        db.rollback()
        return _pages_page(request, db, visitor, status=409, problem=exc.message)
    return redirect("/pages")


def _handoff_page(
    request: Request,
    db: Session,
    clock: Clock,
    runtime: Runtime,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
    note: str = "",
) -> HTMLResponse:
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.role)
    brief = handoff.brief(
        db, clock, runtime.config.oncall, shift_hours=SHIFT_HOURS, withheld=withheld
    )
    return render(
        request,
        "handoff.html",
        visitor,
        status=status,
        brief=brief,
        breached=sum(1 for d in brief.due_next_shift if d.state == "breached"),
        open_pages=sum(1 for p in brief.pages if p.state != "resolved"),
        problem=problem,
        note=note,
    )


@router.get("/handoff")
def handoff_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    return _handoff_page(request, db, clock, runtime, visitor)


@router.post("/handoff")
def record_handoff(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Lead,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record that the signed-in lead took the hand-off now; a note is required."""
    if not note.strip():
        return _handoff_page(
            request,
            db,
            clock,
            runtime,
            visitor,
            status=422,
            problem="a hand-off needs a note: what the incoming shift must know",
            note=note,
        )
    handoff.record(db, clock, by=visitor.user, note=note.strip())
    return redirect("/handoff#recorded")
