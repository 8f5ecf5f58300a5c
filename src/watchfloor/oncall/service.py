"""On-call schedules at work: who is on call, overrides, the calendar feed; ``page`` for other rooms.

Other rooms call ``on_call`` and ``page``; the schedule arithmetic itself is in rotations.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.clock import Clock
from watchfloor.errors import Invalid, NotFound
from watchfloor.oncall import rotations
from watchfloor.oncall.config import OncallConfig, Pager
from watchfloor.oncall.models import OncallOverride
from watchfloor.oncall.rotations import Override, Shift
from watchfloor.oncall.schedules import Schedule

if TYPE_CHECKING:
    from watchfloor.oncall.models import Page


def schedule_names(config: OncallConfig) -> list[str]:
    """Every on-call schedule's name, sorted."""
    return sorted(config.schedules)


def emails_of(config: OncallConfig, usernames: list[str]) -> dict[str, str]:
    """The email address of each of ``usernames`` that oncall.yaml's people give one."""
    return {
        u: contact.email
        for u in usernames
        if (contact := config.people.get(u)) is not None and contact.email is not None
    }


def schedule_or_404(config: OncallConfig, name: str) -> Schedule:
    schedule = config.schedules.get(name)
    if schedule is None:
        known = ", ".join(sorted(config.schedules)) or "none"
        raise NotFound(f"no on-call schedule named {name!r}; config/oncall.yaml defines: {known}")
    return schedule


def overrides_for(
    session: Session | None, config: OncallConfig, schedule: str, start: datetime, end: datetime
) -> list[Override]:
    """Overrides from the file, then those made through the API (oldest first; later wins)."""
    found = [
        Override(o.user, o.start.astimezone(UTC), o.end.astimezone(UTC), o.replaces)
        for o in config.schedules[schedule].overrides
    ]
    if session is not None:
        rows = session.scalars(
            select(OncallOverride)
            .where(
                OncallOverride.schedule == schedule,
                OncallOverride.ends_at > start,
                OncallOverride.starts_at < end,
            )
            .order_by(OncallOverride.id)
        ).all()
        found += [Override(r.user, r.starts_at, r.ends_at, r.replaces) for r in rows]
    return found


def on_call(
    session: Session | None, config: OncallConfig, schedule: str, at: datetime
) -> list[str]:
    """Usernames on call for ``schedule`` at ``at`` (API overrides included when given a Session)."""
    shift = shift_at(session, config, schedule, at)
    return list(shift.users) if shift else []


def shift_at(
    session: Session | None, config: OncallConfig, schedule: str, at: datetime
) -> Shift | None:
    sched = schedule_or_404(config, schedule)
    window = (at - timedelta(days=8), at + timedelta(days=8))
    return rotations.on_call_at(sched, at, overrides_for(session, config, schedule, *window))


def shifts(
    session: Session | None, config: OncallConfig, schedule: str, start: datetime, end: datetime
) -> list[Shift]:
    sched = schedule_or_404(config, schedule)
    return rotations.schedule_shifts(
        sched, start, end, overrides_for(session, config, schedule, start, end)
    )


def check(
    session: Session | None, config: OncallConfig, start: datetime, end: datetime
) -> dict[str, rotations.Coverage]:
    """Coverage of every schedule over [start, end): gaps and overlaps, exactly."""
    return {
        name: rotations.coverage(
            sched, start, end, overrides_for(session, config, name, start, end)
        )
        for name, sched in sorted(config.schedules.items())
    }


def create_override(
    session: Session,
    clock: Clock,
    config: OncallConfig,
    *,
    schedule: str,
    user: str,
    replaces: str | None,
    start: datetime,
    end: datetime,
    reason: str,
    actor: str,
) -> OncallOverride:
    sched = schedule_or_404(config, schedule)
    rota = sorted({p for layer in sched.layers for p in layer.participants})
    if user not in known_people(config):
        raise Invalid(
            f"unknown person {user!r}: nobody can reach them; add them to people in "
            "config/oncall.yaml first",
            fields=[{"loc": ["body", "user"], "msg": f"unknown person {user!r}"}],
        )
    if replaces is not None and replaces not in rota:
        raise Invalid(
            f"{replaces!r} is not on the {schedule} rota ({', '.join(rota)}): there is nobody "
            "to replace",
            fields=[{"loc": ["body", "replaces"], "msg": f"not on the {schedule} rota"}],
        )
    if end <= start:
        raise Invalid(
            "end must be after start",
            fields=[{"loc": ["body", "end"], "msg": "must be after start"}],
        )
    if replaces is not None and replaces == user:
        raise Invalid(
            "a person cannot replace themselves",
            fields=[{"loc": ["body", "replaces"], "msg": "must differ from user"}],
        )
    row = OncallOverride(
        schedule=schedule,
        user=user,
        replaces=replaces,
        starts_at=start,
        ends_at=end,
        reason=reason,
        created_by=actor,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="oncall.override.created",
        object_type="schedule",
        object_id=schedule,
        after=_override_dict(row),
    )
    return row


def list_overrides(
    session: Session, config: OncallConfig, *, schedule: str | None, now: datetime
) -> Sequence[OncallOverride]:
    """Overrides that have not ended yet."""
    query = select(OncallOverride).where(OncallOverride.ends_at > now)
    if schedule is not None:
        schedule_or_404(config, schedule)
        query = query.where(OncallOverride.schedule == schedule)
    return session.scalars(query.order_by(OncallOverride.starts_at, OncallOverride.id)).all()


def delete_override(session: Session, clock: Clock, *, override_id: int, actor: str) -> None:
    row = session.get(OncallOverride, override_id)
    if row is None:
        raise NotFound(f"no on-call override with id {override_id}")
    before = _override_dict(row)
    session.delete(row)
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="oncall.override.deleted",
        object_type="schedule",
        object_id=row.schedule,
        before=before,
    )


def _override_dict(row: OncallOverride) -> dict[str, object]:
    return {
        "id": row.id,
        "schedule": row.schedule,
        "user": row.user,
        "replaces": row.replaces,
        "start": row.starts_at.isoformat(),
        "end": row.ends_at.isoformat(),
        "reason": row.reason,
    }


# Longer than any shift a rota hands over (monthly at most), so the current shift is whole.
CALENDAR_LOOKBACK = timedelta(days=35)


def _new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Watchfloor//On-call//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-published-ttl", "PT1H")
    return cal


def _shifts_ahead(
    session: Session, config: OncallConfig, schedule: str, now: datetime, weeks: int
) -> Iterator[Shift]:
    """The schedule's shifts not over at ``now``, for ``weeks`` weeks. Read from well before
    now, so the shift under way keeps its real start (and with it its UID) instead of starting
    at each fetch."""
    ahead = now + timedelta(weeks=weeks)
    for shift in shifts(session, config, schedule, now - CALENDAR_LOOKBACK, ahead):
        if shift.end > now:
            yield shift


def _shift_event(schedule: str, title: str, shift: Shift, now: datetime, uid_key: str) -> Event:
    who = ", ".join(shift.users)
    event = Event()
    # Stable across fetches, so calendar apps update a shift instead of duplicating it.
    uid = hashlib.sha256(f"{schedule}|{shift.start.isoformat()}|{uid_key}".encode()).hexdigest()
    event.add("uid", f"{uid[:32]}@watchfloor")
    event.add("dtstamp", now)
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("summary", f"On call: {who} ({title})")
    event.add("transp", "TRANSPARENT")
    return event


def calendar(
    session: Session,
    clock: Clock,
    config: OncallConfig,
    *,
    schedule: str,
    weeks: int,
    public_url: str,
) -> bytes:
    """An RFC 5545 calendar of the schedule's shifts from now for ``weeks`` weeks."""
    sched = schedule_or_404(config, schedule)
    now = clock.now().astimezone(UTC).replace(microsecond=0)
    cal = _new_calendar(f"On call: {sched.title}")
    for shift in _shifts_ahead(session, config, schedule, now, weeks):
        who = ", ".join(shift.users)
        event = _shift_event(schedule, sched.title, shift, now, who)
        layer = f"layer {shift.layer}" if shift.layer else "override"
        event.add("description", f"{who} on call for {schedule} ({layer}).\n{public_url}")
        cal.add_component(event)
    return bytes(cal.to_ical())


def known_people(config: OncallConfig) -> set[str]:
    """Everyone the on-call configuration knows: a contact under ``people`` or on a rota."""
    return set(config.people) | {
        p for s in config.schedules.values() for layer in s.layers for p in layer.participants
    }


def person_or_404(config: OncallConfig, person: str) -> str:
    """``person`` if the on-call configuration knows them (a contact or on a rota)."""
    if person not in known_people(config):
        raise NotFound(f"nobody named {person!r} in config/oncall.yaml")
    return person


def person_calendar(
    session: Session,
    clock: Clock,
    config: OncallConfig,
    *,
    person: str,
    weeks: int,
    public_url: str,
) -> bytes:
    """An RFC 5545 calendar of one person's own shifts on every schedule, each with the person
    as ATTENDEE, from now for ``weeks`` weeks."""
    person_or_404(config, person)
    contact = config.people.get(person)
    now = clock.now().astimezone(UTC).replace(microsecond=0)
    cal = _new_calendar(f"On call: {person}")
    for name, sched in sorted(config.schedules.items()):
        for shift in _shifts_ahead(session, config, name, now, weeks):
            if person not in shift.users:
                continue
            event = _shift_event(name, sched.title, shift, now, f"person:{person}")
            address = contact.email if contact is not None and contact.email else None
            attendee = vCalAddress(f"mailto:{address}" if address else f"urn:watchfloor:{person}")
            attendee.params["cn"] = vText(person)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=False)
            others = [u for u in shift.users if u != person]
            with_whom = f" with {', '.join(others)}" if others else ""
            event.add("description", f"{person} on call for {name}{with_whom}.\n{public_url}")
            cal.add_component(event)
    return bytes(cal.to_ical())


def page(
    session: Session,
    clock: Clock,
    pager: Pager,
    *,
    schedule: str | None,
    summary: str,
    severity: str,
    case_key: str | None,
    dedup_key: str,
    actor: str,
    person: str | None = None,
    policy_name: str | None = None,
) -> Page:
    """Page on-call (``schedule``, or the default escalation policy's first step when None), or
    ``person`` first and then the policy (``policy_name``, else the schedule's).

    One open page per ``dedup_key``: paging again returns the open page. Notifications go through
    the outbox in this transaction; the worker escalates the page if nobody acknowledges it.
    """
    from watchfloor.oncall import paging

    return paging.trigger(
        session,
        clock,
        pager,
        schedule=schedule,
        summary=summary,
        severity=severity,
        case_key=case_key,
        dedup_key=dedup_key,
        actor=actor,
        person=person,
        policy_name=policy_name,
    )


def page_states(session: Session, *, ids: list[int]) -> dict[int, str]:
    """The state of each of these pages (triggered, acknowledged, resolved)."""
    from watchfloor.oncall.models import Page

    if not ids:
        return {}
    rows = session.execute(select(Page.id, Page.state).where(Page.id.in_(ids)))
    return {page_id: state for page_id, state in rows}


def resolve_pages_of_resolved_case(
    session: Session, clock: Clock, *, case_key: str, actor: str
) -> int:
    """Resolve the acknowledged pages about a case just resolved; how many."""
    from watchfloor.oncall import paging

    return len(paging.resolve_acknowledged_for_case(session, clock, case_key=case_key, actor=actor))


def unacknowledged_pages(session: Session) -> list[tuple[str, int, datetime]]:
    """Pages nobody has acknowledged yet: (severity, how many, when the oldest was triggered)."""
    from watchfloor.oncall.models import Page

    rows = session.execute(
        select(Page.severity, func.count(), func.min(Page.created_at))
        .where(Page.state == "triggered")
        .group_by(Page.severity)
    )
    return [(severity, int(n), oldest) for severity, n, oldest in rows]
