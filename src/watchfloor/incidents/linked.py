"""Cases linked to an incident after it was declared, and unlinked: the incident room shows them
with their live status, and their audit events join its timeline."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases import oversight
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.incidents import service
from watchfloor.incidents.models import IncidentCase

MAX_LINKED = 10_000  # one incident; a campaign bigger than this is several incidents


def link(
    session: Session, clock: Clock, *, key: str, case_keys: Sequence[str], by: User
) -> list[str]:
    """Link cases to the incident; the keys newly linked (a case already linked is skipped)."""
    incident = service.get_or_raise(session, key=key, for_update=True)
    service.require_open(incident)
    wanted = service.cases_from_keys(session, case_keys, "cases")
    already = set(
        session.scalars(
            select(IncidentCase.case_id).where(
                IncidentCase.incident_id == incident.id,
                IncidentCase.case_id.in_([cid for cid, _ in wanted]),
            )
        )
    )
    new = [(cid, k) for cid, k in wanted if cid not in already]
    count = session.scalar(
        select(func.count())
        .select_from(IncidentCase)
        .where(IncidentCase.incident_id == incident.id)
    )
    if (count or 0) + len(new) > MAX_LINKED:
        raise Invalid(f"an incident links at most {MAX_LINKED} cases; declare another")
    if not new:
        return []
    now = clock.now()
    try:
        with session.begin_nested():
            service.link_rows(session, incident, new, now, service.actor_of(by))
    except IntegrityError as exc:
        raise Conflict("another person linked one of these cases just now; try again") from exc
    first_seen = oversight.first_created(session, ids=[cid for cid, _ in new])
    if first_seen is not None and first_seen < incident.detected_at:
        incident.detected_at = first_seen
    audit.record(
        session,
        at=now,
        actor=service.actor_of(by),
        action="incident.cases_linked",
        object_type="incident",
        object_id=incident.key,
        after={"cases": [k for _, k in new]},
    )
    return [k for _, k in new]


def unlink(session: Session, clock: Clock, *, key: str, case_key: str, by: User) -> None:
    incident = service.get_or_raise(session, key=key, for_update=True)
    service.require_open(incident)
    row = session.scalar(
        select(IncidentCase).where(
            IncidentCase.incident_id == incident.id,
            IncidentCase.case_key == case_key.strip().upper(),
        )
    )
    if row is None:
        raise NotFound(f"{case_key.strip().upper()} is not linked to {incident.key}")
    session.delete(row)
    audit.record(
        session,
        at=clock.now(),
        actor=service.actor_of(by),
        action="incident.case_unlinked",
        object_type="incident",
        object_id=incident.key,
        before={"case": row.case_key},
    )
