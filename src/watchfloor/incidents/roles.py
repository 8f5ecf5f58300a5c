"""Incident roles: who commands, who keeps the record, who speaks for Legal, Policy and the rest.

Giving someone a role pages them through on-call (``oncall.service.page``): the person first,
then the escalation policy if they do not acknowledge. Naming a schedule gives the role to whoever
is on call on it now. Handing a role over ends the old holder's row and starts a new one, so the
record shows who held command when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid
from watchfloor.incidents import service
from watchfloor.incidents.config import IncidentConfig
from watchfloor.incidents.models import Incident, IncidentRole
from watchfloor.notify import service as notify
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import Pager


def holders(session: Session, *, incident_id: int) -> Sequence[IncidentRole]:
    """Every role held now, and every past holder, oldest first."""
    return session.scalars(
        select(IncidentRole)
        .where(IncidentRole.incident_id == incident_id)
        .order_by(IncidentRole.assigned_at, IncidentRole.id)
    ).all()


def _who(
    session: Session, pager: Pager, *, user: str | None, schedule: str | None, now: datetime
) -> str:
    """The person a role goes to: a user or on-call contact by name, or whoever is on call."""
    if schedule is not None:
        if schedule not in pager.config.schedules:
            raise Invalid(
                f"unknown schedule {schedule!r}; config/oncall.yaml defines "
                + ", ".join(sorted(pager.config.schedules)),
                fields=[{"loc": ["body", "schedule"], "msg": "unknown schedule"}],
            )
        on = oncall.on_call(session, pager.config, schedule, now)
        if not on:
            raise Invalid(
                f"nobody is on call on {schedule} now; name a person instead",
                fields=[{"loc": ["body", "schedule"], "msg": "nobody on call"}],
            )
        return on[0]
    assert user is not None
    if auth.get_active(session, username=user) is None and user not in oncall.known_people(
        pager.config
    ):
        raise Invalid(
            f"nobody named {user!r}: not an active user, nor a contact in config/oncall.yaml",
            fields=[{"loc": ["body", "user"], "msg": "unknown person"}],
        )
    return user


def assign(
    session: Session,
    clock: Clock,
    pager: Pager,
    config: IncidentConfig,
    *,
    incident: Incident,
    role: str,
    user: str | None = None,
    schedule: str | None = None,
    by: User,
    note: str = "",
) -> IncidentRole:
    """Give ``role`` to a person (or the on-call of ``schedule``) and page them; the role's
    previous holder, if any, hands it over (logged). Giving it to its holder again changes
    nothing."""
    spec = config.roles.get(role)
    if spec is None:
        raise Invalid(
            f"unknown role {role!r}; roles are {', '.join(sorted(config.roles))}",
            fields=[{"loc": ["body", "role"], "msg": "unknown role"}],
        )
    if incident.status == "closed":
        raise Conflict(f"{incident.key} is closed: its record no longer changes")
    now = clock.now()
    person = _who(session, pager, user=user, schedule=schedule, now=now)
    active_key = f"{incident.id}:{role}"
    current = session.scalar(
        select(IncidentRole).where(IncidentRole.active_key == active_key).with_for_update()
    )
    if current is not None and current.username == person:
        return current
    if current is not None:
        current.active_key, current.ended_at, current.ended_by = None, now, by.username
        session.flush()
    page_id = None
    if person != by.username:  # nobody is paged to tell them what they just did themselves
        severity = config.severities[incident.severity].page_severity  # type: ignore[index]
        page = oncall.page(
            session,
            clock,
            pager,
            schedule=None,
            summary=f"{incident.key} ({incident.severity}) needs you as {spec.title}: "
            f"{incident.title}",
            severity=severity,
            case_key=None,
            dedup_key=f"{incident.key}:{role}:{person}",
            actor=f"user:{by.username}",
            person=person,
            policy_name=spec.escalation_policy,
        )
        page_id = page.id
    row = IncidentRole(
        incident_id=incident.id,
        role=role,
        username=person,
        active_key=active_key,
        assigned_at=now,
        assigned_by=by.username,
        page_id=page_id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"someone else gave the {role} role of {incident.key} just now") from exc
    handed = current is not None
    if handed:
        action = (
            "incident.command_handed_over" if role == "commander" else "incident.role_handed_over"
        )
    else:
        action = "incident.role_assigned"
    audit.record(
        session,
        at=now,
        actor=service.actor_of(by),
        action=action,
        object_type="incident",
        object_id=incident.key,
        before={"role": role, "user": current.username} if current is not None else None,
        after={
            "role": role,
            "user": person,
            "schedule": schedule,
            "page": page_label(page_id),
            **({"note": note} if note else {}),
        },
    )
    notify.enqueue(
        session,
        clock,
        event_type="incident.role_assigned",
        data={
            "incident": service.payload(incident),
            "role": role,
            "user": person,
            "previous": current.username if current is not None else None,
            "text": f"{incident.key}: {person} is now {spec.title}"
            + (f" (handed over by {current.username})" if current is not None else ""),
        },
    )
    return row


def page_label(page_id: int | None) -> str | None:
    """The key of the page that called a role's holder in (PAGE-000123)."""
    return None if page_id is None else f"PAGE-{page_id:06d}"
