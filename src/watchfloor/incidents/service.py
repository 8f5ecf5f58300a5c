"""Incidents: declare, find, link and unlink cases, move through the lifecycle, edit the review.

Every change is audited under the incident's key (``INC-0042``), so the timeline shows it.
Linking and unlinking cases later lives in ``linked``, roles and paging in ``roles``, the timeline in ``timeline``, tasks in ``tasks`` and
stakeholder updates in ``updates``; what the API and console show is assembled in ``views``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import oversight
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key, parse_case_key
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.incidents import lifecycle
from watchfloor.incidents.config import Channels, IncidentConfig, Severity
from watchfloor.incidents.lifecycle import Status
from watchfloor.incidents.models import (
    Incident,
    IncidentCase,
    IncidentRole,
    IncidentTask,
    incident_key,
)
from watchfloor.incidents.schemas import DeclareIn, ReviewIn
from watchfloor.notify import service as notify
from watchfloor.triage.taxonomy import Taxonomy


def actor_of(user: User) -> str:
    return f"user:{user.username}"


def parse_key(key: str) -> int | None:
    text = key.strip().upper()
    if not text.startswith("INC-") or not text[4:].isdigit() or len(text) > 24:
        return None
    return int(text[4:])


def get_or_raise(session: Session, *, key: str, for_update: bool = False) -> Incident:
    incident_id = parse_key(key)
    if incident_id is None:
        raise NotFound(f"{key!r} is not an incident key; incident keys look like INC-0042")
    stmt = select(Incident).where(Incident.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    incident = session.scalar(stmt)
    if incident is None:
        raise NotFound(f"no incident {incident_key(incident_id)}")
    return incident


def list_incidents(
    session: Session, *, statuses: Sequence[str] | None = None, limit: int = 200
) -> Sequence[Incident]:
    """Incidents in these states (all when None): the open ones by severity, newest first."""
    stmt = select(Incident)
    if statuses is not None:
        stmt = stmt.where(Incident.status.in_(list(statuses)))
    return session.scalars(
        stmt.order_by(Incident.severity, Incident.declared_at.desc(), Incident.id.desc()).limit(
            limit
        )
    ).all()


def case_ids_of(incident_id: int) -> Select[int]:
    """The ids of the incident's cases, as a subquery other rooms' services can take."""
    return select(IncidentCase.case_id).where(IncidentCase.incident_id == incident_id)


def case_keys_of(incident_id: int) -> Select[str]:
    return select(IncidentCase.case_key).where(IncidentCase.incident_id == incident_id)


@dataclass(frozen=True)
class CaseIncident:
    key: str
    severity: str
    title: str
    status: str


def incidents_of_case(session: Session, *, case_id: int) -> list[CaseIncident]:
    """The incidents a case is linked to, open ones first: what its case page links to."""
    rows = session.execute(
        select(Incident.id, Incident.severity, Incident.title, Incident.status)
        .join(IncidentCase, IncidentCase.incident_id == Incident.id)
        .where(IncidentCase.case_id == case_id)
        .order_by((Incident.status == Status.CLOSED.value), Incident.id.desc())
    ).all()
    return [CaseIncident(incident_key(i), sev, title, st) for i, sev, title, st in rows]


def _open_incident_of(session: Session, case_ids: list[int]) -> tuple[Incident, int] | None:
    """An incident not yet closed that one of these cases is linked to, and that case's id."""
    row = session.execute(
        select(Incident, IncidentCase.case_id)
        .join(IncidentCase, IncidentCase.incident_id == Incident.id)
        .where(IncidentCase.case_id.in_(case_ids), Incident.status != Status.CLOSED.value)
        .order_by(Incident.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def cases_from_keys(session: Session, keys: Sequence[str], field: str) -> list[tuple[int, str]]:
    """(id, key) of each case named, locked; 422 naming each key that is not a case."""
    found: list[tuple[int, str]] = []
    missing: list[tuple[int, str]] = []
    for i, key in enumerate(dict.fromkeys(k.strip().upper() for k in keys)):
        case = cases.get(session, key=key, for_update=True) if parse_case_key(key) else None
        if case is None:
            missing.append((i, key))
        else:
            found.append((case.id, key))
    if missing:
        raise Invalid(
            "unknown case(s): " + ", ".join(key for _, key in missing),
            fields=[{"loc": ["body", field, i], "msg": f"no case {key}"} for i, key in missing],
        )
    return found


def check_harm_area(taxonomy: Taxonomy, harm_area: str | None) -> None:
    known = {a.id for a in taxonomy.harm_areas}
    if harm_area is not None and harm_area not in known:
        raise Invalid(
            f"unknown harm area {harm_area!r}; use one of {', '.join(sorted(known))}",
            fields=[{"loc": ["body", "harm_area"], "msg": "not a harm area of the taxonomy"}],
        )


def check_channels(session: Session, channels: Channels) -> None:
    """Every webhook named must be an active receiver: an update sent nowhere is worse than
    an error now."""
    missing = sorted(
        set(channels.webhooks) - notify.active_endpoint_names(session, names=channels.webhooks)
    )
    if missing:
        raise Invalid(
            "no active webhook receiver named " + ", ".join(repr(m) for m in missing),
            fields=[{"loc": ["body", "channels", "webhooks"], "msg": "unknown receiver"}],
        )


def declare(
    session: Session,
    clock: Clock,
    config: IncidentConfig,
    taxonomy: Taxonomy,
    *,
    body: DeclareIn,
    by: User,
) -> Incident:
    """Declare an incident, from cases or from nothing; the declarer commands it unless someone
    else is named. A case already in an open incident is refused with that incident's key, so
    two people declaring from the same case end up in one incident (409 ``existing``).
    Roles are assigned (and paged) by ``roles.assign`` after this."""
    check_harm_area(taxonomy, body.harm_area)
    channels = body.channels or config.default_channels
    check_channels(session, channels)
    linked = cases_from_keys(session, body.cases, "cases")
    if linked:
        taken = _open_incident_of(session, [cid for cid, _ in linked])
        if taken is not None:
            incident, case_id = taken
            key = dict(linked)[case_id]
            raise Conflict(
                f"{key} is already in {incident.key} ({incident.severity}, {incident.status}): "
                f"{incident.title!r}; add to that incident, or unlink the case there first",
                existing=incident.key,
            )
    return _open(
        session,
        clock,
        config,
        severity=body.severity,
        title=body.title,
        harm_area=body.harm_area,
        summary=body.summary,
        channels=channels.model_dump(),
        linked=linked,
        declared_by=by.username,
        actor=actor_of(by),
    )


def _open(
    session: Session,
    clock: Clock,
    config: IncidentConfig,
    *,
    severity: Severity,
    title: str,
    harm_area: str | None,
    summary: str,
    channels: dict[str, Any],
    linked: list[tuple[int, str]],
    declared_by: str,
    actor: str,
) -> Incident:
    """Write a declared incident with its linked cases, audit it and announce it."""
    now = clock.now()
    first_seen = oversight.first_created(session, ids=[cid for cid, _ in linked])
    incident = Incident(
        severity=severity,
        title=title,
        harm_area=harm_area,
        status=Status.ACTIVE.value,
        detected_at=min(first_seen, now) if first_seen else now,
        declared_at=now,
        declared_by=declared_by,
        last_update_at=None,
        next_update_due_at=lifecycle.next_update_due(
            Status.ACTIVE, now, config.severities[severity].update_every
        ),
        channels=channels,
        summary=summary,
    )
    session.add(incident)
    session.flush()
    link_rows(session, incident, linked, now, actor)
    keys = [key for _, key in linked]
    audit.record(
        session,
        at=now,
        actor=actor,
        action="incident.declared",
        object_type="incident",
        object_id=incident.key,
        after={
            "severity": incident.severity,
            "title": incident.title,
            "harm_area": incident.harm_area,
            "cases": keys,
            "channels": incident.channels,
        },
    )
    notify.enqueue(
        session,
        clock,
        event_type="incident.declared",
        data={
            "incident": payload(incident),
            "cases": keys,
            "text": f"*{incident.severity}* {incident.key} declared by {declared_by}: "
            f"{incident.title}",
        },
    )
    return incident


def payload(incident: Incident) -> dict[str, Any]:
    """What an outbox event says about an incident."""
    return {
        "key": incident.key,
        "severity": incident.severity,
        "title": incident.title,
        "harm_area": incident.harm_area,
        "status": incident.status,
    }


def link_rows(
    session: Session, incident: Incident, linked: list[tuple[int, str]], at: datetime, actor: str
) -> None:
    for case_id, key in linked:
        session.add(
            IncidentCase(
                incident_id=incident.id,
                case_id=case_id,
                case_key=key,
                linked_at=at,
                linked_by=actor,
            )
        )
    session.flush()


def require_open(incident: Incident) -> None:
    if incident.status == Status.CLOSED.value:
        raise Conflict(f"{incident.key} is closed: its record no longer changes")


def may_run(incident: Incident, user: User, commander: str | None) -> None:
    """Moving the incident through its lifecycle is the commander's call, or a lead's."""
    if user.username == commander or can(user.role, Permission.CASES_ASSIGN_ANY):
        return
    raise Forbidden(
        f"only the commander ({commander or 'nobody yet'}) or a lead may change the state of "
        f"{incident.key}; ask for command to be handed over to you"
    )


def commander_of(session: Session, incident_id: int) -> str | None:
    return session.scalar(
        select(IncidentRole.username).where(IncidentRole.active_key == f"{incident_id}:commander")
    )


def open_tasks(session: Session, incident_id: int) -> Sequence[IncidentTask]:
    return session.scalars(
        select(IncidentTask)
        .where(IncidentTask.incident_id == incident_id, IncidentTask.status == "open")
        .order_by(IncidentTask.id)
    ).all()


def set_status(
    session: Session,
    clock: Clock,
    config: IncidentConfig,
    *,
    key: str,
    status: str,
    note: str,
    by: User,
) -> Incident:
    """Move the incident to ``status``. Closing with open tasks is refused, naming them."""
    incident = get_or_raise(session, key=key, for_update=True)
    may_run(incident, by, commander_of(session, incident.id))
    current, target = Status(incident.status), Status(status)
    if (why := lifecycle.why_not(current, target)) is not None:
        raise Conflict(
            f"{incident.key}: {why}", allowed=[s.value for s in lifecycle.allowed_next(current)]
        )
    if target is Status.CLOSED:
        left = open_tasks(session, incident.id)
        if left:
            raise Conflict(
                f"{incident.key} has {len(left)} open task(s); finish or cancel them first: "
                + "; ".join(f"#{t.id} {t.title}" for t in left),
                open_tasks=[{"id": t.id, "title": t.title, "owner": t.owner} for t in left],
            )
    now = clock.now()
    times = lifecycle.Times(
        incident.detected_at,
        incident.declared_at,
        incident.mitigated_at,
        incident.resolved_at,
        incident.closed_at,
    )
    for column, value in lifecycle.stamps_for(target, now, times).items():
        setattr(incident, column, value)
    incident.status = target.value
    every = config.severities[incident.severity].update_every  # type: ignore[index]
    incident.next_update_due_at = lifecycle.next_update_due(
        target, incident.last_update_at or now, every
    )
    audit.record(
        session,
        at=now,
        actor=actor_of(by),
        action="incident.status_changed",
        object_type="incident",
        object_id=incident.key,
        before={"status": current.value},
        after={"status": target.value, "note": note} if note else {"status": target.value},
    )
    notify.enqueue(
        session,
        clock,
        event_type="incident.status_changed",
        data={
            "incident": payload(incident),
            "from": current.value,
            "text": f"{incident.key} is {target.value} (was {current.value}): {incident.title}",
        },
    )
    return incident


def set_channels(
    session: Session, clock: Clock, *, key: str, channels: Channels, by: User
) -> Incident:
    """Where the incident's stakeholder updates go from now on."""
    incident = get_or_raise(session, key=key, for_update=True)
    require_open(incident)
    check_channels(session, channels)
    before, incident.channels = incident.channels, channels.model_dump()
    audit.record(
        session,
        at=clock.now(),
        actor=actor_of(by),
        action="incident.channels_changed",
        object_type="incident",
        object_id=incident.key,
        before={"channels": before},
        after={"channels": incident.channels},
    )
    return incident


def edit_review(session: Session, clock: Clock, *, key: str, body: ReviewIn, by: User) -> Incident:
    """Write the review's sections (summary, impact, what went well and badly)."""
    incident = get_or_raise(session, key=key, for_update=True)
    changes = body.model_dump(exclude_none=True)
    before = {name: getattr(incident, name) for name in changes}
    for name, text in changes.items():
        setattr(incident, name, text)
    if changes:
        audit.record(
            session,
            at=clock.now(),
            actor=actor_of(by),
            action="incident.review_edited",
            object_type="incident",
            object_id=incident.key,
            before=before,
            after=changes,
        )
    return incident


def declare_for_case_by_system(
    session: Session,
    clock: Clock,
    config: IncidentConfig,
    *,
    case_id: int,
    severity: Severity,
    title: str,
    harm_area: str | None,
    summary: str,
    actor: str,
) -> tuple[Incident, bool]:
    """The open incident a case is in, or a new one a rule declares for it (a legal obligation's
    follow-up: DSA Art. 18 opens an incident); True when declared now. No commander is named: the
    incident waits, active and announced, for a person to take command."""
    taken = _open_incident_of(session, [case_id])
    if taken is not None:
        return taken[0], False
    incident = _open(
        session,
        clock,
        config,
        severity=severity,
        title=title[:200],
        harm_area=harm_area,
        summary=summary,
        channels=config.default_channels.model_dump(),
        linked=cases_from_keys(session, [case_key(case_id)], "cases"),
        declared_by=actor[:100],
        actor=actor,
    )
    return incident, True
