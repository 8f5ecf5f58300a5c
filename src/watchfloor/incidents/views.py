"""What the API and the console show of an incident: the list row, the incident room, the review.

Reads only: linked cases come through the cases room's service, with their live status and the
clock running now; counts for a list of incidents are read in one query each, not per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.cases import oversight
from watchfloor.cases.schemas import case_key
from watchfloor.incidents import lifecycle, roles, tasks, timeline
from watchfloor.incidents.config import Channels, IncidentConfig
from watchfloor.incidents.lifecycle import Status
from watchfloor.incidents.models import Incident, IncidentCase, IncidentRole, IncidentUpdate
from watchfloor.incidents.schemas import (
    CaseLinkOut,
    ImpactOut,
    IncidentDetail,
    IncidentOut,
    MetricsOut,
    ReviewOut,
    RoleOut,
    UpdateOut,
)
from watchfloor.incidents.service import case_ids_of
from watchfloor.intake import service as intake
from watchfloor.oncall import service as oncall
from watchfloor.sla import service as sla
from watchfloor.triage.taxonomy import Priority

LINKED_SHOWN = 100


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def metrics_of(incident: Incident) -> MetricsOut:
    m = lifecycle.metrics(
        lifecycle.Times(
            incident.detected_at,
            incident.declared_at,
            incident.mitigated_at,
            incident.resolved_at,
            incident.closed_at,
        )
    )
    return MetricsOut(
        time_to_declare_seconds=int(m.time_to_declare.total_seconds()),
        time_to_mitigate_seconds=_seconds(m.time_to_mitigate),
        time_to_resolve_seconds=_seconds(m.time_to_resolve),
        time_to_close_seconds=_seconds(m.time_to_close),
    )


def _case_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(linked, open) cases of each incident."""
    if not ids:
        return {}
    groups = select(IncidentCase.incident_id, IncidentCase.case_id).where(
        IncidentCase.incident_id.in_(ids)
    )
    return oversight.counts_by_group(session, groups=groups)


def _holders(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    rows = session.execute(
        select(IncidentRole.incident_id, IncidentRole.role, IncidentRole.username).where(
            IncidentRole.incident_id.in_(ids), IncidentRole.active_key.is_not(None)
        )
    )
    held: dict[int, dict[str, str]] = {i: {} for i in ids}
    for incident_id, role, user in rows:
        held[incident_id][role] = user
    return held


def rows(
    session: Session, config: IncidentConfig, incidents: Sequence[Incident], now: datetime
) -> list[IncidentOut]:
    """The list rows of these incidents."""
    ids = [i.id for i in incidents]
    held = _holders(session, ids)
    cases = _case_counts(session, ids)
    task_counts = tasks.counts(session, incident_ids=ids, now=now)
    return [
        _out(config, i, now, held[i.id], cases.get(i.id, (0, 0)), task_counts.get(i.id, (0, 0)))
        for i in incidents
    ]


def _out(
    config: IncidentConfig,
    incident: Incident,
    now: datetime,
    held: dict[str, str],
    cases: tuple[int, int],
    task_counts: tuple[int, int],
) -> IncidentOut:
    spec = config.severities[incident.severity]  # type: ignore[index]
    due = incident.next_update_due_at
    return IncidentOut(
        key=incident.key,
        severity=incident.severity,
        severity_meaning=spec.meaning,
        title=incident.title,
        harm_area=incident.harm_area,
        status=incident.status,
        allowed_next=[s.value for s in lifecycle.allowed_next(Status(incident.status))],
        detected_at=incident.detected_at,
        declared_at=incident.declared_at,
        declared_by=incident.declared_by,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        commander=held.get("commander"),
        cases=cases[0],
        open_cases=cases[1],
        tasks_open=task_counts[0],
        tasks_overdue=task_counts[1],
        last_update_at=incident.last_update_at,
        next_update_due_at=due,
        update_overdue=due is not None and due <= now,
        missing_roles=[r for r in spec.required_roles if r not in held],
        metrics=metrics_of(incident),
        channels=Channels.model_validate(incident.channels or {}),
    )


def _linked(session: Session, incident: Incident, now: datetime) -> list[CaseLinkOut]:
    out = []
    held = oversight.among(session, ids=case_ids_of(incident.id), limit=LINKED_SHOWN)
    linked_at = session.execute(
        select(IncidentCase.case_id, IncidentCase.linked_at).where(
            IncidentCase.incident_id == incident.id,
            IncidentCase.case_id.in_([h.case.id for h in held]),
        )
    )
    when = {case_id: at for case_id, at in linked_at}
    for h in held:
        c = h.case
        clocks = sla.view(c, now)
        running = clocks["first_action"] if c.first_action_at is None else clocks["resolution"]
        assert isinstance(running, dict)
        out.append(
            CaseLinkOut(
                key=case_key(c.id),
                priority=Priority(c.priority).label,
                harm_area=c.harm_area,
                status=c.status,
                assignee=h.holder,
                first_action_due_at=c.first_action_due_at,
                resolve_due_at=c.resolve_due_at,
                clock_state=str(running["state"]),
                due_at=running["due_at"],
                linked_at=when[c.id],
            )
        )
    return out


def detail(
    session: Session, config: IncidentConfig, incident: Incident, now: datetime
) -> IncidentDetail:
    """The incident room: everything but the timeline (read a page at a time on its own)."""
    base = rows(session, config, [incident], now)[0]
    spec = config.severities[incident.severity]  # type: ignore[index]
    history = roles.holders(session, incident_id=incident.id)
    current = {r.role: r for r in history if r.active_key is not None}
    page_states = oncall.page_states(
        session, ids=[r.page_id for r in current.values() if r.page_id is not None]
    )
    role_rows = [
        RoleOut(
            role=name,
            title=role.title,
            user=current[name].username if name in current else None,
            since=current[name].assigned_at if name in current else None,
            page=roles.page_label(current[name].page_id) if name in current else None,
            page_state=page_states.get(current[name].page_id or 0) if name in current else None,
            required=name in spec.required_roles,
        )
        for name, role in config.roles.items()
    ]
    by_status = oversight.status_counts(session, ids=case_ids_of(incident.id))
    reports, subjects, reporters = intake.impact_of(session, case_ids=case_ids_of(incident.id))
    sent = session.scalars(
        select(IncidentUpdate)
        .where(IncidentUpdate.incident_id == incident.id)
        .order_by(IncidentUpdate.at.desc(), IncidentUpdate.id.desc())
        .limit(50)
    ).all()
    return IncidentDetail(
        **base.model_dump(),
        summary=incident.summary,
        roles=role_rows,
        linked=_linked(session, incident, now),
        linked_by_status=by_status,
        tasks=[tasks.out(t, now) for t in tasks.of_incident(session, incident_id=incident.id)],
        updates=[
            UpdateOut(
                id=u.id,
                at=u.at,
                author=u.author,
                text=u.text,
                channels=Channels.model_validate(u.channels or {}),
                event_id=u.event_id,
            )
            for u in sent
        ],
        impact=ImpactOut(
            cases=base.cases,
            open_cases=base.open_cases,
            reports=reports,
            subjects=subjects,
            users_affected=reporters,
        ),
        went_well=incident.went_well,
        went_badly=incident.went_badly,
        impact_note=incident.impact_note,
    )


def review(
    session: Session, config: IncidentConfig, incident: Incident, now: datetime
) -> ReviewOut:
    room = detail(session, config, incident, now)
    return ReviewOut(
        generated_at=now,
        incident=room,
        key_timeline=timeline.key_entries(session, incident=incident),
        action_items=[t for t in room.tasks if t.action_item],
    )


def count_linked(session: Session, *, incident_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(IncidentCase)
            .where(IncidentCase.incident_id == incident_id)
        )
        or 0
    )
