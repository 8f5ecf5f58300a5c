"""Incident tasks: who does what by when. An open task past its due time is overdue, and the
incident shows it; an incident cannot be closed while a task is open. The review's action items
are tasks too (``action_item``), tracked the same way after the incident closes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.incidents import service
from watchfloor.incidents.models import Incident, IncidentTask
from watchfloor.incidents.schemas import TaskIn, TaskOut, TaskPatch


def _owner(session: Session, owner: str | None) -> str | None:
    if owner is not None and auth.get_active(session, username=owner) is None:
        raise Invalid(
            f"owner: no active user named {owner!r}",
            fields=[{"loc": ["body", "owner"], "msg": "unknown user"}],
        )
    return owner


def _due(due_at: datetime | None) -> datetime | None:
    if due_at is not None and due_at.tzinfo is None:
        raise Invalid(
            "due_at needs a UTC offset, e.g. 2026-12-07T18:00:00Z",
            fields=[{"loc": ["body", "due_at"], "msg": "needs a UTC offset"}],
        )
    return due_at


def add(
    session: Session, clock: Clock, *, incident: Incident, body: TaskIn, by: User
) -> IncidentTask:
    """A new open task; action items may be added after the incident is closed (the review
    often comes later), other tasks only while it is open."""
    if incident.status == "closed" and not body.action_item:
        raise Conflict(f"{incident.key} is closed: add follow-ups as action items")
    now = clock.now()
    task = IncidentTask(
        incident_id=incident.id,
        title=body.title,
        owner=_owner(session, body.owner),
        due_at=_due(body.due_at),
        status="open",
        action_item=body.action_item,
        created_at=now,
        created_by=by.username,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=service.actor_of(by),
        action="incident.task_added",
        object_type="incident",
        object_id=incident.key,
        after={
            "task": task.id,
            "title": task.title,
            "owner": task.owner,
            "due_at": task.due_at,
            "action_item": task.action_item,
        },
    )
    return task


def update(
    session: Session, clock: Clock, *, incident: Incident, task_id: int, body: TaskPatch, by: User
) -> IncidentTask:
    task = session.get(IncidentTask, task_id, with_for_update=True)
    if task is None or task.incident_id != incident.id:
        raise NotFound(f"{incident.key} has no task {task_id}")
    changes = body.model_dump(exclude_unset=True)
    if "owner" in changes:
        _owner(session, body.owner)
    if "due_at" in changes:
        _due(body.due_at)
    before = {name: getattr(task, name) for name in changes}
    now = clock.now()
    for name, value in changes.items():
        setattr(task, name, value)
    if "status" in changes:
        done = task.status != "open"
        task.done_at, task.done_by = (now, by.username) if done else (None, None)
    if changes:
        audit.record(
            session,
            at=now,
            actor=service.actor_of(by),
            action="incident.task_changed",
            object_type="incident",
            object_id=incident.key,
            before=before,
            after={"task": task.id, **changes},
        )
    return task


def of_incident(session: Session, *, incident_id: int) -> Sequence[IncidentTask]:
    """Open tasks first, soonest due first; then the finished ones."""
    return session.scalars(
        select(IncidentTask)
        .where(IncidentTask.incident_id == incident_id)
        .order_by(
            case((IncidentTask.status == "open", 0), else_=1),
            IncidentTask.due_at.is_(None),
            IncidentTask.due_at,
            IncidentTask.id,
        )
    ).all()


def counts(
    session: Session, *, incident_ids: list[int], now: datetime
) -> dict[int, tuple[int, int]]:
    """(open, overdue) tasks of each incident."""
    if not incident_ids:
        return {}
    is_open = IncidentTask.status == "open"
    rows = session.execute(
        select(
            IncidentTask.incident_id,
            func.count().filter(is_open),
            func.count().filter(is_open, IncidentTask.due_at < now),
        )
        .where(IncidentTask.incident_id.in_(incident_ids))
        .group_by(IncidentTask.incident_id)
    )
    return {i: (int(o), int(d)) for i, o, d in rows}


def out(task: IncidentTask, now: datetime) -> TaskOut:
    return TaskOut(
        id=task.id,
        title=task.title,
        owner=task.owner,
        due_at=task.due_at,
        status=task.status,
        overdue=task.status == "open" and task.due_at is not None and task.due_at < now,
        action_item=task.action_item,
        created_at=task.created_at,
        created_by=task.created_by,
        done_at=task.done_at,
    )
