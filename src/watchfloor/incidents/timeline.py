"""The incident timeline: the audit events of the incident and of every case linked to it,
merged with the entries people write (notes, decisions with their basis, external contacts).

Nothing is copied: the audit log is read where it is, through the audit room's service, with the
incident's case keys as a subquery, newest first and a page at a time, so an incident with
thousands of cases and a hundred thousand events reads as fast as a small one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.incidents import service
from watchfloor.incidents.describe import describe
from watchfloor.incidents.models import Incident, IncidentCase, IncidentEntry, IncidentKeyEvent
from watchfloor.incidents.schemas import EntryIn, EntryOut, TimelineOut

PAGE = 200
# Audit actions that are key on their own: the incident's turning points.
KEY_ACTIONS = frozenset(
    {"incident.declared", "incident.status_changed", "incident.command_handed_over"}
)
# Audited for the record, but shown once as the entry itself.
SHOWN_AS_ENTRY = frozenset({"incident.entry_added"})


def add_entry(
    session: Session, clock: Clock, *, incident: Incident, body: EntryIn, by: User
) -> IncidentEntry:
    if incident.status == "closed":
        raise Conflict(f"{incident.key} is closed: its record no longer changes")
    entry = IncidentEntry(
        incident_id=incident.id,
        at=clock.now(),
        author=by.username,
        kind=body.kind,
        text=body.text,
        basis=(body.basis or "").strip() or None,
        party=(body.party or "").strip() or None,
        is_key=body.key,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        at=entry.at,
        actor=service.actor_of(by),
        action="incident.entry_added",
        object_type="incident",
        object_id=incident.key,
        after={
            "entry": entry.id,
            "kind": entry.kind,
            "text": entry.text,
            "basis": entry.basis,
            "party": entry.party,
            "key": entry.is_key,
        },
    )
    return entry


def set_key(
    session: Session, clock: Clock, *, incident: Incident, entry_id: str, key: bool, by: User
) -> None:
    """Flag (or unflag) a timeline entry as key: ``entry-<n>`` or ``audit-<n>``."""
    kind, _, number = entry_id.partition("-")
    if kind not in {"entry", "audit"} or not number.isdigit() or len(number) > 18:
        raise Invalid(
            f"{entry_id!r} is not a timeline entry id; ids look like entry-12 or audit-3456"
        )
    ident = int(number)
    if kind == "entry":
        entry = session.get(IncidentEntry, ident)
        if entry is None or entry.incident_id != incident.id:
            raise NotFound(f"{incident.key} has no timeline entry {entry_id}")
        entry.is_key = key
    else:
        if not _in_timeline(session, incident, ident):
            raise NotFound(f"{incident.key} has no timeline entry {entry_id}")
        flagged = session.get(IncidentKeyEvent, (incident.id, ident))
        if key and flagged is None:
            session.add(IncidentKeyEvent(incident_id=incident.id, audit_event_id=ident))
        elif not key and flagged is not None:
            session.execute(
                delete(IncidentKeyEvent).where(
                    IncidentKeyEvent.incident_id == incident.id,
                    IncidentKeyEvent.audit_event_id == ident,
                )
            )
    audit.record(
        session,
        at=clock.now(),
        actor=service.actor_of(by),
        action="incident.key_flagged" if key else "incident.key_unflagged",
        object_type="incident",
        object_id=incident.key,
        after={"entry": entry_id},
    )


def _in_timeline(session: Session, incident: Incident, audit_id: int) -> bool:
    event = audit.get_event(session, event_id=audit_id)
    if event is None:
        return False
    if event.object_id == incident.key:
        return True
    linked = service.case_keys_of(incident.id).where(IncidentCase.case_key == event.object_id)
    return session.scalar(linked.limit(1)) is not None


def _cursor(text: str | None) -> tuple[datetime, str, int] | None:
    """``before``: ``<ISO time>~<entry|audit>~<id>`` of the last entry read."""
    if text is None:
        return None
    try:
        at, kind, ident = text.split("~")
        when = datetime.fromisoformat(at)
        if kind not in {"entry", "audit"} or when.tzinfo is None:
            raise ValueError(kind)
        return when, kind, int(ident)
    except ValueError as exc:
        raise Invalid(
            f"before: {text!r} is not a timeline position; pass next_before from the last page",
            fields=[{"loc": ["query", "before"], "msg": "not a timeline position"}],
        ) from exc


def read(
    session: Session, *, incident: Incident, before: str | None = None, limit: int = PAGE
) -> TimelineOut:
    """Newest first, ``limit`` at a time; ``next_before`` reads on."""
    cursor = _cursor(before)
    keys = service.case_keys_of(incident.id)
    events, events_total = audit.trail_of_any(
        session,
        object_ids=keys,
        also=incident.key,
        exclude_actions=SHOWN_AS_ENTRY,
        before=None if cursor is None else (cursor[0], cursor[2] if cursor[1] == "audit" else None),
        limit=limit + 1,
    )
    entries_q = select(IncidentEntry).where(IncidentEntry.incident_id == incident.id)
    if cursor is not None:
        at, kind, ident = cursor
        # Entries sort after audit events at the same instant (an entry says why).
        if kind == "entry":
            entries_q = entries_q.where(
                tuple_(IncidentEntry.at, IncidentEntry.id) < tuple_(at, ident)
            )
        else:
            entries_q = entries_q.where(IncidentEntry.at < at)
    written = session.scalars(
        entries_q.order_by(IncidentEntry.at.desc(), IncidentEntry.id.desc()).limit(limit + 1)
    ).all()
    entries_total = session.scalar(
        select(func.count()).where(IncidentEntry.incident_id == incident.id)
    )
    flagged = set(
        session.scalars(
            select(IncidentKeyEvent.audit_event_id).where(
                IncidentKeyEvent.incident_id == incident.id
            )
        )
    )
    merged = [
        *(entry_out(e, incident.key) for e in written),
        *(_from_event(e, flagged) for e in events),
    ]
    merged.sort(key=_order, reverse=True)
    page = merged[:limit]
    more = len(merged) > limit
    last = page[-1] if page and more else None
    return TimelineOut(
        entries=page,
        total=events_total + int(entries_total or 0),
        next_before=None if last is None else f"{last.at.isoformat()}~{last.id.replace('-', '~')}",
    )


def _order(e: EntryOut) -> tuple[datetime, int, int]:
    kind, _, ident = e.id.partition("-")
    return e.at, 1 if kind == "entry" else 0, int(ident)


def key_entries(session: Session, *, incident: Incident) -> list[EntryOut]:
    """The key timeline, oldest first: entries flagged key, flagged audit events and the
    incident's turning points (declared, each change of state, each hand-over of command)."""
    written = session.scalars(
        select(IncidentEntry)
        .where(IncidentEntry.incident_id == incident.id, IncidentEntry.is_key)
        .order_by(IncidentEntry.at, IncidentEntry.id)
    ).all()
    flagged = set(
        session.scalars(
            select(IncidentKeyEvent.audit_event_id).where(
                IncidentKeyEvent.incident_id == incident.id
            )
        )
    )
    events = [
        *audit.events_by_id(session, ids=sorted(flagged)),
        *audit.trail_of_actions(session, object_id=incident.key, actions=KEY_ACTIONS),
    ]
    seen: set[int] = set()
    out = [entry_out(e, incident.key) for e in written]
    for event in events:
        if event.id not in seen:
            seen.add(event.id)
            out.append(_from_event(event, flagged))
    out.sort(key=_order)
    return out


def entry_out(entry: IncidentEntry, incident_key: str) -> EntryOut:
    return EntryOut(
        id=f"entry-{entry.id}",
        at=entry.at,
        author=entry.author,
        kind=entry.kind,
        text=entry.text,
        basis=entry.basis,
        party=entry.party,
        object=incident_key,
        key=entry.is_key,
    )


def _from_event(event: audit.EventRow, flagged: set[int]) -> EntryOut:
    return EntryOut(
        id=f"audit-{event.id}",
        at=event.occurred_at,
        author=event.actor,
        kind=event.action,
        text=describe(event.action, event.before, event.after),
        object=event.object_id,
        key=event.id in flagged or event.action in KEY_ACTIONS,
    )
