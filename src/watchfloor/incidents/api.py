"""Incident routes: declare, the incident room, roles, timeline, updates, tasks and the review."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.incidents import linked, report, roles, service, tasks, timeline, updates, views
from watchfloor.incidents.config import Channels
from watchfloor.incidents.schemas import (
    DeclaredOut,
    DeclareIn,
    DraftOut,
    EntryIn,
    EntryOut,
    IncidentDetail,
    IncidentOut,
    KeyIn,
    LinkIn,
    ReviewIn,
    ReviewOut,
    RoleIn,
    StatusIn,
    TaskIn,
    TaskOut,
    TaskPatch,
    TimelineOut,
    UpdateIn,
    UpdateOut,
)
from watchfloor.runtime import Runtime

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
Reader = Annotated[User, Depends(require(Permission.INCIDENTS_READ))]
Worker = Annotated[User, Depends(require(Permission.INCIDENTS_MANAGE))]
Key = Annotated[str, Path(max_length=24, description="INC-0042")]
ERRORS = responses(401, 403, 404, 409, 422)


def _detail(db: DbSession, runtime: Runtime, incident_key: str) -> IncidentDetail:
    incident = service.get_or_raise(db, key=incident_key)
    return views.detail(db, runtime.config.incidents, incident, runtime.clock.now())


@router.post("", status_code=201, response_model=DeclaredOut, responses=ERRORS)
def declare(
    body: DeclareIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> DeclaredOut:
    """Declare an incident from cases (or none). You command it unless `commander` names someone
    else; each role in `roles` is given and its holder paged. A case already in an open incident
    answers 409 with that incident's key in `existing`."""
    config = runtime.config.incidents
    incident = service.declare(db, clock, config, runtime.config.taxonomy, body=body, by=user)
    commander = body.commander or user.username
    assigned = {"commander": commander, **body.roles}
    paged = []
    for role, person in assigned.items():
        row = roles.assign(
            db, clock, runtime.pager, config, incident=incident, role=role, user=person, by=user
        )
        if row.page_id is not None:
            paged.append(roles.page_label(row.page_id) or "")
    return DeclaredOut(incident=views.detail(db, config, incident, clock.now()), paged=paged)


@router.get("", response_model=list[IncidentOut], responses=responses(401, 403, 422))
def list_incidents(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Reader,
    status: Annotated[
        list[Literal["active", "mitigated", "resolved", "closed"]] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[IncidentOut]:
    """Incidents, by severity and then newest first; `status` may repeat."""
    found = service.list_incidents(db, statuses=status, limit=limit)
    return views.rows(db, runtime.config.incidents, found, clock.now())


@router.get("/{key}", response_model=IncidentDetail, responses=ERRORS)
def get_incident(key: Key, db: DbSession, runtime: RuntimeDep, user: Reader) -> IncidentDetail:
    """The incident room: roles, linked cases with their live status and clocks, tasks,
    updates, impact and metrics. The timeline is read on its own, a page at a time."""
    return _detail(db, runtime, key)


@router.post("/{key}/cases", response_model=IncidentDetail, responses=ERRORS)
def link_cases(
    key: Key, body: LinkIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> IncidentDetail:
    linked.link(db, clock, key=key, case_keys=body.cases, by=user)
    return _detail(db, runtime, key)


@router.delete("/{key}/cases/{case_key}", status_code=204, responses=ERRORS)
def unlink_case(
    key: Key,
    case_key: Annotated[str, Path(max_length=32)],
    db: DbSession,
    clock: ClockDep,
    user: Worker,
) -> Response:
    linked.unlink(db, clock, key=key, case_key=case_key, by=user)
    return Response(status_code=204)


@router.put("/{key}/channels", response_model=IncidentDetail, responses=ERRORS)
def set_channels(
    key: Key, body: Channels, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> IncidentDetail:
    """Where stakeholder updates go: webhook receivers by name (Slack-format ones get a chat
    message) and email addresses. Every receiver named must exist and be active."""
    service.set_channels(db, clock, key=key, channels=body, by=user)
    return _detail(db, runtime, key)


@router.post("/{key}/status", response_model=IncidentDetail, responses=ERRORS)
def set_status(
    key: Key, body: StatusIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> IncidentDetail:
    """Move the incident: active → mitigated → resolved → closed (or back to active). The
    commander's or a lead's call; closing with open tasks answers 409 listing them."""
    service.set_status(
        db, clock, runtime.config.incidents, key=key, status=body.status, note=body.note, by=user
    )
    return _detail(db, runtime, key)


@router.post("/{key}/roles", response_model=IncidentDetail, responses=ERRORS)
def assign_role(
    key: Key, body: RoleIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> IncidentDetail:
    """Give a role to a person or to whoever is on call on a schedule, and page them. Handing
    command over is the commander's or a lead's call, and is logged."""
    incident = service.get_or_raise(db, key=key, for_update=True)
    if body.role == "commander":
        service.may_run(incident, user, service.commander_of(db, incident.id))
    roles.assign(
        db,
        clock,
        runtime.pager,
        runtime.config.incidents,
        incident=incident,
        role=body.role,
        user=body.user,
        schedule=body.schedule,
        by=user,
        note=body.note,
    )
    return _detail(db, runtime, key)


@router.get("/{key}/timeline", response_model=TimelineOut, responses=ERRORS)
def read_timeline(
    key: Key,
    db: DbSession,
    user: Reader,
    before: Annotated[
        str | None, Query(max_length=80, description="next_before of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> TimelineOut:
    """The audit events of the incident and its cases with the entries people wrote, newest
    first."""
    incident = service.get_or_raise(db, key=key)
    return timeline.read(db, incident=incident, before=before, limit=limit)


@router.post("/{key}/timeline", status_code=201, response_model=EntryOut, responses=ERRORS)
def add_entry(key: Key, body: EntryIn, db: DbSession, clock: ClockDep, user: Worker) -> EntryOut:
    """Write a note, a decision with its policy or legal basis, or an external contact (a
    law-enforcement referral, a regulator's call)."""
    incident = service.get_or_raise(db, key=key)
    entry = timeline.add_entry(db, clock, incident=incident, body=body, by=user)
    return timeline.entry_out(entry, incident.key)


@router.put("/{key}/timeline/{entry_id}/key", status_code=204, responses=ERRORS)
def flag_key(
    key: Key,
    entry_id: Annotated[str, Path(max_length=40)],
    body: KeyIn,
    db: DbSession,
    clock: ClockDep,
    user: Worker,
) -> Response:
    """Flag (or unflag) a timeline entry as key: it goes into the review's key timeline."""
    incident = service.get_or_raise(db, key=key)
    timeline.set_key(db, clock, incident=incident, entry_id=entry_id, key=body.key, by=user)
    return Response(status_code=204)


@router.post("/{key}/updates", status_code=201, response_model=UpdateOut, responses=ERRORS)
def send_update(
    key: Key, body: UpdateIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> UpdateOut:
    """Send a stakeholder update to the incident's channels (through the outbox)."""
    incident = service.get_or_raise(db, key=key, for_update=True)
    sent = updates.send(
        db, clock, runtime.config.incidents, incident=incident, text=body.text, by=user
    )
    return updates.out(sent)


@router.post("/{key}/updates/draft", response_model=DraftOut, responses=ERRORS)
def draft_update(
    key: Key, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> DraftOut:
    """A draft update to edit and send; never sent by itself."""
    incident = service.get_or_raise(db, key=key)
    return updates.draft_update(
        db, clock, runtime.settings, runtime.config.incidents, incident=incident, by=user
    )


@router.post("/{key}/tasks", status_code=201, response_model=TaskOut, responses=ERRORS)
def add_task(key: Key, body: TaskIn, db: DbSession, clock: ClockDep, user: Worker) -> TaskOut:
    incident = service.get_or_raise(db, key=key)
    return tasks.out(tasks.add(db, clock, incident=incident, body=body, by=user), clock.now())


@router.patch("/{key}/tasks/{task_id}", response_model=TaskOut, responses=ERRORS)
def update_task(
    key: Key,
    task_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: TaskPatch,
    db: DbSession,
    clock: ClockDep,
    user: Worker,
) -> TaskOut:
    incident = service.get_or_raise(db, key=key)
    task = tasks.update(db, clock, incident=incident, task_id=task_id, body=body, by=user)
    return tasks.out(task, clock.now())


@router.patch("/{key}/review", response_model=IncidentDetail, responses=ERRORS)
def edit_review(
    key: Key, body: ReviewIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> IncidentDetail:
    """Write the review's sections: summary, impact, what went well and what went badly."""
    service.edit_review(db, clock, key=key, body=body, by=user)
    return _detail(db, runtime, key)


@router.post("/{key}/review/draft", response_model=DraftOut, responses=ERRORS)
def draft_summary(
    key: Key, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> DraftOut:
    """A draft review summary from the key timeline, to edit and keep; never saved by itself."""
    incident = service.get_or_raise(db, key=key)
    return updates.draft_summary(
        db, clock, runtime.settings, runtime.config.incidents, incident=incident, by=user
    )


@router.get(
    "/{key}/report",
    response_model=ReviewOut,
    responses={
        **ERRORS,
        200: {
            "description": "The review as JSON, Markdown or HTML (format=)",
            "content": {"text/markdown": {}, "text/html": {}},
        },
    },
)
def get_report(
    key: Key,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Reader,
    format: Annotated[Literal["json", "markdown", "html"], Query()] = "json",
) -> ReviewOut | Response:
    """The post-incident review: summary, impact, key timeline, what went well and badly,
    metrics and action items."""
    incident = service.get_or_raise(db, key=key)
    doc = views.review(db, runtime.config.incidents, incident, clock.now())
    if format == "markdown":
        return PlainTextResponse(report.markdown(doc), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return HTMLResponse(report.html(doc))
    return doc
