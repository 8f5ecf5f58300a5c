"""Linking: subjects that share identifiers (a phone, a payment fingerprint, a device…), so a fraud
ring or a coordinated campaign is seen as one, with every open case on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.intake import service as intake
from watchfloor.intake import subjects
from watchfloor.triage.linking import identifiers
from watchfloor.triage.linking.schemas import (
    IdentifierOut,
    LinkedSubject,
    NotFollowed,
    OpenCase,
    RelatedOut,
    SharedIdentifier,
    SubjectOut,
)
from watchfloor.triage.taxonomy import Priority

if TYPE_CHECKING:
    from watchfloor.intake.models import Subject

# An identifier more subjects than this hold (a shared office IP, a marketplace's payout account)
# says little about who is behind any one of them, and following it would flood the view.
HUB_LIMIT = 50
MAX_DEPTH = 3
MAX_SUBJECTS = 500
MAX_OPEN_CASES = 500

Key = subjects.Key


def get_subject(session: Session, *, subject_id: int) -> SubjectOut:
    """A subject with its identifiers; NotFound if there is none."""
    subject, idents = intake.subject_of(session, subject_id=subject_id)
    return _subject_out(subject, [(i.kind, i.value) for i in idents])


def related_subjects(
    session: Session, *, subject_id: int, depth: int = 2, limit: int = 100
) -> RelatedOut:
    """The subjects within ``depth`` shared identifiers of a subject (at most ``limit`` of them,
    those sharing most first), the identifiers that join them and the open cases of them all.

    Breadth-first: each hop reads the frontier's identifiers, skips those that link nobody in
    particular (free-mail domains) or too many subjects (hubs, over HUB_LIMIT holders), and reads
    who else holds the rest. Three queries a hop, each on the (kind, value) index.
    """
    subject = get_subject(session, subject_id=subject_id)
    hops: dict[int, int] = {subject_id: 0}
    via: dict[int, set[Key]] = {subject_id: set()}
    holders: dict[Key, set[int]] = {}
    seen: set[Key] = set()
    not_followed: dict[Key, NotFollowed] = {}
    frontier = [subject_id]
    truncated = False
    for hop in range(1, depth + 1):
        keys: set[Key] = set()
        for sid, kind, value in subjects.identifiers_of(session, subject_ids=frontier):
            key = (kind, value)
            holders.setdefault(key, set()).add(sid)
            if key in seen:
                continue
            seen.add(key)
            if identifiers.links(kind, value):
                keys.add(key)
            else:
                not_followed[key] = NotFollowed(
                    kind=kind, value=value, reason="a free-mail or ISP domain links nobody"
                )
        keys -= _hubs(session, keys, not_followed)
        if not keys:
            break
        # Who else holds them; each newcomer remembers every identifier that led to it.
        found: dict[int, set[Key]] = {}
        for sid, kind, value in subjects.holders_of(session, keys=sorted(keys)):
            if sid not in hops:
                found.setdefault(sid, set()).add((kind, value))
        room = limit - (len(hops) - 1)
        ranked = sorted(found, key=lambda s: (-len(found[s]), s))
        if len(ranked) > room:
            truncated = True
            ranked = ranked[:room]
        for sid in ranked:
            hops[sid] = hop
            via[sid] = found[sid]
            for key in found[sid]:
                holders[key].add(sid)
        frontier = ranked
        if not frontier or truncated:
            break

    rows = subjects.by_id(session, ids=[*hops])
    linked = sorted(
        (sid for sid in hops if sid != subject_id), key=lambda s: (hops[s], -len(via[s]), s)
    )
    return RelatedOut(
        subject=subject,
        depth=depth,
        subjects=[
            LinkedSubject(
                id=sid,
                kind=rows[sid].kind,
                external_id=rows[sid].external_id,
                display_name=rows[sid].display_name,
                hops=hops[sid],
                shared=[IdentifierOut(kind=k, value=v) for k, v in sorted(via[sid])],
            )
            for sid in linked
        ],
        shared_identifiers=[
            SharedIdentifier(kind=k, value=v, subject_ids=sorted(ids))
            for (k, v), ids in sorted(holders.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            if len(ids) > 1
        ],
        not_followed=[not_followed[k] for k in sorted(not_followed)],
        truncated=truncated,
        open_cases=_open_cases(session, [*hops]),
    )


def _hubs(session: Session, keys: set[Key], not_followed: dict[Key, NotFollowed]) -> set[Key]:
    """The keys held by more than HUB_LIMIT subjects, each noted as not followed."""
    if not keys:
        return set()
    hubs: set[Key] = set()
    for kind, value, n in subjects.held_by_more_than(session, keys=sorted(keys), limit=HUB_LIMIT):
        hubs.add((kind, value))
        not_followed[(kind, value)] = NotFollowed(
            kind=kind,
            value=value,
            reason=f"held by {n} subjects, more than {HUB_LIMIT}: too common to link them",
            subjects=n,
        )
    return hubs


def _open_cases(session: Session, subject_ids: list[int]) -> list[OpenCase]:
    found = cases.open_cases_of_subjects(session, subject_ids=subject_ids, limit=MAX_OPEN_CASES)
    return [
        OpenCase(
            key=case_key(c.id),
            subject_id=c.subject_id,
            status=c.status,
            harm_area=c.harm_area,
            priority=Priority(c.priority).label,
            queue=c.queue,
            report_count=c.report_count,
            created_at=c.created_at,
        )
        for c in found
    ]


def _subject_out(subject: Subject, idents: list[Key]) -> SubjectOut:
    return SubjectOut(
        id=subject.id,
        kind=subject.kind,
        external_id=subject.external_id,
        display_name=subject.display_name,
        created_at=subject.created_at,
        identifiers=[IdentifierOut(kind=k, value=v) for k, v in idents],
    )
