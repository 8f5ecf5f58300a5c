"""The incident room's console routes: the room itself and each of its forms (state, roles,
cases, tasks, stakeholder updates, timeline entries). A refusal comes back on the room, shown by
the form it came from, with the service's status (422, 409, 403 or 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.incidents import linked, roles, service, tasks, timeline, updates, views
from watchfloor.incidents.schemas import EntryIn, RoleIn, StatusIn, TaskIn, TaskPatch
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.INCIDENTS_READ)]
Manager = Annotated[Visitor, posted_for(Permission.INCIDENTS_MANAGE)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
TIMELINE_PAGE = 50
# The errors a person can act on: shown on the page the form came from, with their status.
REFUSALS = (Invalid, Conflict, Forbidden, NotFound)
M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], **data: Any) -> M:
    """A form read into the service's model; its complaints as a 422 naming the fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
        text = "; ".join(
            (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise Invalid(text, fields=fields) from None


def keys_of(text: str) -> list[str]:
    """Case keys typed with commas, spaces or new lines between them."""
    return [k for k in text.replace(",", " ").split() if k]


def show_room(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    key: str,
    *,
    before: str | None = None,
    status: int = 200,
    problem: str = "",
    where: str = "",
    form: dict[str, str] | None = None,
    draft: str = "",
    draft_note: str = "",
    summary_draft: str = "",
) -> HTMLResponse:
    incident = service.get_or_raise(db, key=key)
    config = runtime.config.incidents
    room = views.detail(db, config, incident, runtime.clock.now())
    commander = room.commander
    return render(
        request,
        "incident.html",
        visitor,
        status=status,
        room=room,
        timeline=timeline.read(db, incident=incident, before=before, limit=TIMELINE_PAGE),
        before=before,
        may_run=visitor.username == commander or visitor.can(Permission.CASES_ASSIGN_ANY),
        manages=visitor.can(Permission.INCIDENTS_MANAGE),
        role_specs=config.roles,
        schedules=sorted(runtime.config.oncall.schedules),
        problem=problem,
        where=where,
        form=form or {},
        draft=draft,
        draft_note=draft_note,
        summary_draft=summary_draft,
    )


@router.get("/incidents/{key}")
def incident_page(
    request: Request,
    key: str,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Reader,
    before: str | None = None,
) -> HTMLResponse:
    return show_room(request, db, runtime, visitor, key, before=before)


def act_then_room(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    key: str,
    where: str,
    act: Callable[[], object],
    form: dict[str, str] | None = None,
) -> Response:
    """Do ``act``; back to the room at ``where``, or the room with the refusal shown there."""
    try:
        act()
    except REFUSALS as exc:
        db.rollback()
        return show_room(
            request,
            db,
            runtime,
            visitor,
            key,
            status=exc.status,
            problem=exc.message,
            where=where,
            form=form,
        )
    return redirect(f"/incidents/{key}#{where}")


@router.post("/incidents/{key}/status")
def set_status(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    status: Short = "",
    note: Long = "",
) -> Response:
    def act() -> None:
        body = parsed(StatusIn, status=status, note=note.strip())
        config = runtime.config.incidents
        service.set_status(
            db, clock, config, key=key, status=body.status, note=body.note, by=visitor.user
        )

    return act_then_room(request, db, runtime, visitor, key, "state", act)


@router.post("/incidents/{key}/roles")
def assign_role(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    role: Short = "",
    user: Short = "",
    schedule: Short = "",
) -> Response:
    """Give a role to a person, or to whoever is on call on a schedule; handing command over is
    the commander's or a lead's call, as in the API."""

    def act() -> None:
        body = parsed(
            RoleIn, role=role, user=user.strip() or None, schedule=schedule.strip() or None
        )
        incident = service.get_or_raise(db, key=key, for_update=True)
        if body.role == "commander":
            service.may_run(incident, visitor.user, service.commander_of(db, incident.id))
        roles.assign(
            db,
            clock,
            runtime.pager,
            runtime.config.incidents,
            incident=incident,
            role=body.role,
            user=body.user,
            schedule=body.schedule,
            by=visitor.user,
        )

    form = {"role": role, "user": user, "schedule": schedule}
    return act_then_room(request, db, runtime, visitor, key, "roles", act, form)


@router.post("/incidents/{key}/cases")
def link_cases(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    cases: Long = "",
) -> Response:
    def act() -> None:
        if not keys_of(cases):
            raise Invalid("name at least one case, like CASE-000123")
        linked.link(db, clock, key=key, case_keys=keys_of(cases), by=visitor.user)

    return act_then_room(request, db, runtime, visitor, key, "cases", act, {"cases": cases})


@router.post("/incidents/{key}/cases/{case_key}/unlink")
def unlink_case(
    request: Request,
    key: str,
    case_key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
) -> Response:
    def act() -> None:
        linked.unlink(db, clock, key=key, case_key=case_key, by=visitor.user)

    return act_then_room(request, db, runtime, visitor, key, "cases", act)


def local_due(value: str, zone: str) -> datetime | None:
    """A datetime-local field, read in the visitor's zone (the one the page writes times in)."""
    if not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            f"due: {value!r} is not a date and time; write it like 2026-03-01T09:00",
            fields=[{"loc": ["body", "due"], "msg": "not a date and time"}],
        ) from None
    return at.replace(tzinfo=ZoneInfo(zone)) if at.tzinfo is None else at


@router.post("/incidents/{key}/tasks")
def add_task(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    title: Annotated[str, Form(max_length=300)] = "",
    owner: Short = "",
    due: Short = "",
    action_item: Short = "",
) -> Response:
    def act() -> None:
        body = parsed(
            TaskIn,
            title=title,
            owner=owner.strip() or None,
            due_at=local_due(due, visitor.time_zone),
            action_item=bool(action_item),
        )
        incident = service.get_or_raise(db, key=key)
        tasks.add(db, clock, incident=incident, body=body, by=visitor.user)

    form = {"title": title, "owner": owner, "due": due, "action_item": action_item}
    return act_then_room(request, db, runtime, visitor, key, "tasks", act, form)


@router.post("/incidents/{key}/tasks/{task_id}")
def update_task(
    request: Request,
    key: str,
    task_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    status: Short = "",
) -> Response:
    """Mark a task done or cancelled (or open again)."""

    def act() -> None:
        body = parsed(TaskPatch, status=status)
        incident = service.get_or_raise(db, key=key)
        tasks.update(db, clock, incident=incident, task_id=task_id, body=body, by=visitor.user)

    return act_then_room(request, db, runtime, visitor, key, "tasks", act)


@router.post("/incidents/{key}/updates/draft")
def draft_update(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
) -> Response:
    """The room again, with a draft in the update's text box to edit; nothing is sent."""
    incident = service.get_or_raise(db, key=key)
    made = updates.draft_update(
        db, clock, runtime.settings, runtime.config.incidents, incident=incident, by=visitor.user
    )
    return show_room(
        request,
        db,
        runtime,
        visitor,
        key,
        where="updates",
        draft=made.text,
        draft_note=made.note or "",
    )


@router.post("/incidents/{key}/updates")
def send_update(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    text: Long = "",
) -> Response:
    def act() -> None:
        if not text.strip():
            raise Invalid(
                "an update needs its text: write it, or draft one and edit it",
                fields=[{"loc": ["body", "text"], "msg": "empty"}],
            )
        incident = service.get_or_raise(db, key=key, for_update=True)
        config = runtime.config.incidents
        updates.send(db, clock, config, incident=incident, text=text.strip(), by=visitor.user)

    return act_then_room(request, db, runtime, visitor, key, "updates", act, {"text": text})


@router.post("/incidents/{key}/timeline")
def add_entry(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    kind: Short = "note",
    text: Long = "",
    basis: Annotated[str, Form(max_length=2000)] = "",
    party: Short = "",
    flag: Short = "",
) -> Response:
    """A note, a decision with its basis, or a contact with its party; optionally key."""

    def act() -> None:
        body = parsed(
            EntryIn,
            kind=kind,
            text=text,
            basis=basis.strip() or None,
            party=party.strip() or None,
            key=bool(flag),
        )
        incident = service.get_or_raise(db, key=key)
        timeline.add_entry(db, clock, incident=incident, body=body, by=visitor.user)

    form = {"kind": kind, "text": text, "basis": basis, "party": party, "flag": flag}
    return act_then_room(request, db, runtime, visitor, key, "timeline", act, form)
