"""Stakeholder updates: drafted (from the severity's template, or by the LLM when it is on),
edited by a person, sent through the outbox to the incident's own channels; and the reminder
when an update is overdue by the severity's cadence.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.errors import Conflict, Invalid
from watchfloor.incidents import drafts, lifecycle, service, timeline, views
from watchfloor.incidents.config import Channels, IncidentConfig
from watchfloor.incidents.lifecycle import Status
from watchfloor.incidents.models import Incident, IncidentRole, IncidentUpdate
from watchfloor.incidents.schemas import DraftOut, EntryOut, UpdateOut
from watchfloor.notify import service as notify
from watchfloor.notify.email import enqueue_email
from watchfloor.oncall.config import OncallConfig
from watchfloor.settings import Settings

log = logging.getLogger("watchfloor.incidents.updates")


def send(
    session: Session,
    clock: Clock,
    config: IncidentConfig,
    *,
    incident: Incident,
    text: str,
    by: User,
) -> IncidentUpdate:
    """Send ``text`` to the incident's channels (its webhook receivers and email addresses) and
    restart the update cadence. Refused when the incident has nowhere to send it."""
    if incident.status == Status.CLOSED.value:
        raise Conflict(f"{incident.key} is closed: no more updates are sent")
    channels = Channels.model_validate(incident.channels or {})
    live = notify.active_endpoint_names(session, names=channels.webhooks)
    if not live and not channels.emails:
        raise Invalid(
            f"{incident.key} has no channel to send updates to: give it a webhook receiver or an "
            "email address (channels), or set default_channels in config/incidents.yaml",
            fields=[{"loc": ["body", "channels"], "msg": "no webhook receiver or email address"}],
        )
    now = clock.now()
    header = f"[{incident.severity}] {incident.key} {incident.title} ({incident.status})"
    event_id = notify.enqueue(
        session,
        clock,
        event_type="incident.update",
        data={"incident": service.payload(incident), "update": text, "text": f"*{header}*\n{text}"},
        only_endpoints=sorted(live),
    )
    for address in channels.emails:
        enqueue_email(session, clock, to=address, subject=f"{header}"[:300], body=text + "\n")
    update = IncidentUpdate(
        incident_id=incident.id,
        at=now,
        author=by.username,
        text=text,
        channels={"webhooks": sorted(live), "emails": list(channels.emails)},
        event_id=event_id,
    )
    session.add(update)
    incident.last_update_at = now
    every = config.severities[incident.severity].update_every  # type: ignore[index]
    incident.next_update_due_at = lifecycle.next_update_due(Status(incident.status), now, every)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=service.actor_of(by),
        action="incident.update_sent",
        object_type="incident",
        object_id=incident.key,
        after={"update": update.id, "text": text, "channels": update.channels},
    )
    return update


def out(update: IncidentUpdate) -> UpdateOut:
    return UpdateOut(
        id=update.id,
        at=update.at,
        author=update.author,
        text=update.text,
        channels=Channels.model_validate(update.channels or {}),
        event_id=update.event_id,
    )


def _since_last(recent: list[EntryOut], incident: Incident) -> str:
    """The timeline since the last update, newest three lines, for the draft."""
    since = incident.last_update_at or incident.declared_at
    lines = [e.text for e in recent if e.at > since][:3]
    return "; ".join(lines) if lines else "no change"


def draft_update(
    session: Session,
    clock: Clock,
    settings: Settings,
    config: IncidentConfig,
    *,
    incident: Incident,
    by: User,
) -> DraftOut:
    """A draft stakeholder update for a person to edit and send: the LLM's when it is on,
    else the severity's template filled in. Audited without the text."""
    now = clock.now()
    room = views.detail(session, config, incident, now)
    # One read of the newest entries: the LLM reads 40, the template the lines since the last update.
    recent = timeline.read(session, incident=incident, limit=40 if settings.llm_enabled else 20)
    since_last = _since_last(recent.entries, incident)
    if settings.llm_enabled:
        made = drafts.llm_update(
            settings, config, room, recent.entries, since_last=since_last, now=now
        )
    else:
        made = drafts.template_update(config, room, since_last=since_last, now=now)
    _audit_draft(session, now, incident, by, "update", made)
    return made


def draft_summary(
    session: Session,
    clock: Clock,
    settings: Settings,
    config: IncidentConfig,
    *,
    incident: Incident,
    by: User,
) -> DraftOut:
    """A draft review summary from the key timeline, for a person to edit and keep."""
    now = clock.now()
    doc = views.review(session, config, incident, now)
    made = (
        drafts.llm_summary(settings, doc) if settings.llm_enabled else drafts.template_summary(doc)
    )
    _audit_draft(session, now, incident, by, "summary", made)
    return made


def _audit_draft(
    session: Session, now: datetime, incident: Incident, by: User, purpose: str, made: DraftOut
) -> None:
    audit.record(
        session,
        at=now,
        actor=service.actor_of(by),
        action="incident.draft_made",
        object_type="incident",
        object_id=incident.key,
        # Never the text: the draft is not what was sent, and what is sent is recorded then.
        after={"purpose": purpose, "source": made.source, "model": made.model},
    )


def remind_overdue(
    sessions: sessionmaker[Session], clock: Clock, oncall: OncallConfig, *, limit: int = 100
) -> int:
    """Remind the commander of each incident whose stakeholder update is overdue, once per
    missed update (by webhook event, and by email when on-call knows their address)."""
    now = clock.now()
    with session_scope(sessions) as session:
        due = session.scalars(
            select(Incident)
            .where(
                Incident.status.in_([s.value for s in lifecycle.UPDATES_OWED]),
                Incident.next_update_due_at <= now,
                or_(
                    Incident.reminded_for.is_(None),
                    Incident.reminded_for != Incident.next_update_due_at,
                ),
            )
            .order_by(Incident.next_update_due_at, Incident.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for incident in due:
            _remind(session, clock, oncall, incident, now)
        return len(due)


def _remind(
    session: Session, clock: Clock, oncall: OncallConfig, incident: Incident, now: datetime
) -> None:
    assert incident.next_update_due_at is not None
    incident.reminded_for = incident.next_update_due_at
    commander = session.scalar(
        select(IncidentRole.username).where(IncidentRole.active_key == f"{incident.id}:commander")
    )
    late = lifecycle.describe(now - incident.next_update_due_at)
    text = (
        f"{incident.key} ({incident.severity}) owes its stakeholders an update: due "
        f"{incident.next_update_due_at:%H:%M} UTC ({late} ago). Commander: {commander or 'nobody'}."
    )
    notify.enqueue(
        session,
        clock,
        event_type="incident.update_due",
        data={"incident": service.payload(incident), "commander": commander, "text": text},
    )
    contact = oncall.people.get(commander) if commander else None
    if contact is not None and contact.email:
        enqueue_email(
            session,
            clock,
            to=contact.email,
            subject=f"[{incident.severity}] {incident.key}: stakeholder update overdue",
            body=text + "\n",
        )
    audit.record(
        session,
        at=now,
        actor="system:incidents",
        action="incident.update_missed",
        object_type="incident",
        object_id=incident.key,
        after={"due": incident.next_update_due_at, "commander": commander},
    )
    log.warning("incident update overdue", extra={"incident": incident.key})
