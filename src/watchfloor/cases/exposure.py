"""Protecting analysts from harmful material: what starts hidden, revealing it, counting exposure.

Every image and video still starts blurred and greyscale; text evidence that is labelled
sensitive or graphic, or sits in a graphic harm area, starts collapsed behind a warning.
Revealing is one deliberate, audited action per item. Each reveal, and each graphic case
``next`` hands out, is one exposure; an analyst's daily budget counts both, from midnight
in their own time zone, and ``next`` stops handing out graphic work when it is spent; so
does a reveal of an item not yet seen today.

The API and the console withhold the same things through ``shield`` (one rule, two front ends):
a hidden item's text until its reader reveals it, and graphic-area report text (and the case
summaries and excerpts made from it) from every role that may not see evidence at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases.models import Case, GraphicExposure
from watchfloor.clock import Clock, day_start
from watchfloor.errors import Conflict, NotFound
from watchfloor.intake import service as intake
from watchfloor.triage.taxonomy import Taxonomy

if TYPE_CHECKING:
    from watchfloor.intake.models import Evidence

VISUAL = ("image/", "video/")
# What a role that may not see evidence gets instead of graphic-area report text: no reveal.
NOT_FOR_YOUR_ROLE = "graphic harm area: not shown to your role"


class Item(Protocol):
    """An evidence item as stored or as sent: what decides whether it starts hidden."""

    @property
    def kind(self) -> str: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def sensitivity(self) -> str: ...


def is_visual(evidence: Item) -> bool:
    return (evidence.media_type or "").startswith(VISUAL)


def starts_hidden(evidence: Item, *, graphic_area: bool) -> bool:
    """Whether the console hides this item until the analyst reveals it (pure)."""
    if evidence.kind == "file":
        return is_visual(evidence) or evidence.sensitivity != "none" or graphic_area
    return evidence.sensitivity != "none" or graphic_area


def graphic_area(taxonomy: Taxonomy, harm_area: str) -> bool:
    """Whether material in ``harm_area`` can be graphic (an area no longer configured: no)."""
    return any(a.graphic for a in taxonomy.harm_areas if a.id == harm_area)


def text_withheld_from(role: str, *, graphic_area: bool) -> bool:
    """Whether report text of a graphic area is kept from ``role``: a role that may not see
    evidence never reads it (pure); those who may, read it as the console shows it."""
    return graphic_area and not can(role, Permission.EVIDENCE_READ)


def redacted(reasons: Sequence[str]) -> list[str]:
    """Triage reasons without the report phrases they quote (between the first and last ')."""
    return [_QUOTED.sub("'…'", r) for r in reasons]


_QUOTED = re.compile(r"'.*'")


def withheld_areas(taxonomy: Taxonomy, *, role: str) -> frozenset[str]:
    """The harm areas whose report text (and summaries, excerpts) ``role`` never receives."""
    return frozenset(
        a.id
        for a in taxonomy.harm_areas
        if text_withheld_from(role, graphic_area=graphic_area(taxonomy, a.id))
    )


def reveal_path(case_key: str, evidence_id: int) -> str:
    return f"/api/v1/cases/{case_key}/evidence/{evidence_id}/reveal"


def withheld_note(evidence: Item, *, case_key: str, evidence_id: int) -> str:
    """Why a hidden item's content is not sent, and how to reveal it (it is audited and counted)."""
    why = evidence.sensitivity if evidence.sensitivity != "none" else "graphic harm area"
    if is_visual(evidence):
        why = f"{why} {evidence.media_type}"
    return f"{why}: POST {reveal_path(case_key, evidence_id)} (audited, counts toward exposure)"


class ShownEvidence(Item, Protocol):
    id: int
    text: str | None
    withheld: str | None


class ShownReport(Protocol):
    """A report as the API or the console is about to send it."""

    text: str | None
    withheld: str | None
    reasons: list[str]

    @property
    def harm_area(self) -> str: ...
    @property
    def evidence(self) -> Sequence[ShownEvidence]: ...


def shield(
    session: Session,
    clock: Clock,
    *,
    user: User,
    taxonomy: Taxonomy,
    case: Case,
    reports: Sequence[ShownReport],
) -> set[int]:
    """Withhold from ``reports`` (already built for ``user``) what the console withholds: the text
    of each hidden item ``user`` has not revealed today, and graphic-area report text from a role
    that may not see evidence. Returns the ids of the items ``user`` revealed today."""
    area = graphic_area(taxonomy, case.harm_area)
    revealed = revealed_today(
        session, clock, user=user, evidence_ids=[e.id for r in reports for e in r.evidence]
    )
    for report in reports:
        graphic = area or graphic_area(taxonomy, report.harm_area)
        if text_withheld_from(user.role, graphic_area=graphic):
            report.text, report.withheld = None, NOT_FOR_YOUR_ROLE
            report.reasons = redacted(report.reasons)
        for ev in report.evidence:
            if starts_hidden(ev, graphic_area=area) and ev.id not in revealed:
                ev.text = None
                ev.withheld = withheld_note(ev, case_key=case.key, evidence_id=ev.id)
    return revealed


def time_zone_of(session: Session, user: User) -> str:
    profile = auth.profile_of(session, user=user)
    return profile.time_zone if profile else "UTC"


def evidence_of_case(session: Session, *, case: Case, evidence_id: int) -> Evidence:
    """An evidence item of ``case``; NotFound if it belongs to another case or to none."""
    item = intake.evidence_on_case(session, case_id=case.id, evidence_id=evidence_id)
    if item is None:
        raise NotFound(f"{case.key} has no evidence item {evidence_id}")
    return item


def revealed_today(
    session: Session, clock: Clock, *, user: User, evidence_ids: list[int]
) -> set[int]:
    """Which of these items ``user`` has already revealed today (they stay revealed for them)."""
    if not evidence_ids:
        return set()
    since = day_start(clock.now(), time_zone_of(session, user))
    return set(
        session.scalars(
            select(GraphicExposure.evidence_id).where(
                GraphicExposure.user_id == user.id,
                GraphicExposure.at >= since,
                GraphicExposure.evidence_id.in_(evidence_ids),
            )
        )
    )


def reveal(session: Session, clock: Clock, *, user: User, case: Case, evidence: Evidence) -> bool:
    """Show ``evidence`` to ``user``: audited and counted once a day; False if already shown.

    Both the console and the API reveal through here. Once the day's graphic budget is spent,
    a new item is refused (409) as ``next`` refuses new graphic cases; one already revealed today
    stays readable."""
    if evidence.id in revealed_today(session, clock, user=user, evidence_ids=[evidence.id]):
        return False
    spent = exposure_today(session, clock, user=user)
    if spent.spent:
        raise Conflict(
            f"your graphic exposure budget for today is spent ({spent.total} of {spent.budget}); "
            "items you revealed today stay readable, others wait until tomorrow or a lead's "
            "change of your budget",
            exposure=spent.total,
            budget=spent.budget,
        )
    now = clock.now()
    session.add(GraphicExposure(user_id=user.id, case_id=case.id, evidence_id=evidence.id, at=now))
    audit.record(
        session,
        at=now,
        actor=f"user:{user.username}",
        action="evidence.revealed",
        object_type="case",
        object_id=case.key,
        after={
            "evidence_id": evidence.id,
            "sha256": evidence.sha256,
            "sensitivity": evidence.sensitivity,
            "media_type": evidence.media_type,
        },
    )
    return True


@dataclass
class Exposure:
    """One person's exposure today: graphic cases handed to them and items they revealed."""

    username: str
    display_name: str
    role: str
    cases: int
    reveals: int
    budget: int | None  # None: no daily limit set

    @property
    def total(self) -> int:
        return self.cases + self.reveals

    @property
    def spent(self) -> bool:
        return self.budget is not None and self.total >= self.budget


def exposure_today(session: Session, clock: Clock, *, user: User) -> Exposure:
    return _exposures(session, clock, users=[user])[0]


def team_exposure(session: Session, clock: Clock) -> list[Exposure]:
    """Everyone who works cases, most exposed first: what a lead checks before handing out more."""
    found = _exposures(session, clock, users=list(auth.case_workers(session)))
    return sorted(found, key=lambda e: (-e.total, e.username))


def _exposures(session: Session, clock: Clock, *, users: list[User]) -> list[Exposure]:
    now = clock.now()
    profiles = auth.profiles_of(session, user_ids=[u.id for u in users])
    since = {
        u.id: day_start(now, profiles[u.id].time_zone if u.id in profiles else "UTC") for u in users
    }
    counts: dict[int, list[int]] = {u.id: [0, 0] for u in users}
    if users:
        # A day is at most 26 hours in any zone; read that much and cut per person's midnight.
        rows = session.execute(
            select(GraphicExposure.user_id, GraphicExposure.evidence_id, GraphicExposure.at).where(
                GraphicExposure.user_id.in_(list(since)),
                GraphicExposure.at >= now - timedelta(hours=26),
            )
        )
        for user_id, evidence_id, at in rows:
            if at >= since[user_id]:
                counts[user_id][0 if evidence_id is None else 1] += 1
    return [
        Exposure(
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            cases=counts[u.id][0],
            reveals=counts[u.id][1],
            budget=profiles[u.id].graphic_daily_budget if u.id in profiles else None,
        )
        for u in users
    ]


def exposures_since(user_id: int, since: datetime) -> Select[int]:
    """A query: how many exposures (graphic cases handed out, evidence revealed) the person has
    had since ``since``; what their daily budget counts."""
    return (
        select(func.count())
        .select_from(GraphicExposure)
        .where(GraphicExposure.user_id == user_id, GraphicExposure.at >= since)
    )


def record_handed(session: Session, *, user_id: int, case_id: int, at: datetime) -> None:
    """Count a graphic case `next` handed the person as one exposure."""
    session.add(GraphicExposure(user_id=user_id, case_id=case_id, at=at))
