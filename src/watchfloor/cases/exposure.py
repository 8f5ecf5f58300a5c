"""Protecting analysts from harmful material: what starts hidden, revealing it, counting exposure.

Every image and video still starts blurred and greyscale; text evidence that is labelled
sensitive or graphic, or sits in a graphic harm area, starts collapsed behind a warning.
Revealing is one deliberate, audited action per item. Each reveal, and each graphic case
``next`` hands out, is one exposure; an analyst's daily budget counts both, from midnight
in their own time zone, and ``next`` stops handing out graphic work when it is spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import AnalystProfile, GraphicExposure, User
from watchfloor.cases.models import Case
from watchfloor.clock import Clock
from watchfloor.errors import NotFound
from watchfloor.intake.models import Evidence, Report
from watchfloor.queues.service import day_start
from watchfloor.triage.taxonomy import Taxonomy

VISUAL = ("image/", "video/")


def is_visual(evidence: Evidence) -> bool:
    return (evidence.media_type or "").startswith(VISUAL)


def starts_hidden(evidence: Evidence, *, graphic_area: bool) -> bool:
    """Whether the console hides this item until the analyst reveals it (pure)."""
    if evidence.kind == "file":
        return is_visual(evidence) or evidence.sensitivity != "none" or graphic_area
    return evidence.sensitivity != "none" or graphic_area


def graphic_area(taxonomy: Taxonomy, harm_area: str) -> bool:
    """Whether material in ``harm_area`` can be graphic (an area no longer configured: no)."""
    return any(a.graphic for a in taxonomy.harm_areas if a.id == harm_area)


def time_zone_of(session: Session, user: User) -> str:
    profile = session.get(AnalystProfile, user.id)
    return profile.time_zone if profile else "UTC"


def evidence_of_case(session: Session, *, case: Case, evidence_id: int) -> Evidence:
    """An evidence item of ``case``; NotFound if it belongs to another case or to none."""
    item = session.scalar(
        select(Evidence)
        .join(Report, Report.id == Evidence.report_id)
        .where(Evidence.id == evidence_id, Report.case_id == case.id)
    )
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
    """Show ``evidence`` to ``user``: audited and counted once a day; False if already shown."""
    if evidence.id in revealed_today(session, clock, user=user, evidence_ids=[evidence.id]):
        return False
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
    people = session.scalars(
        select(User)
        .where(User.is_active.is_(True), User.role.in_(["analyst", "lead", "legal"]))
        .order_by(User.username)
    ).all()
    found = _exposures(session, clock, users=list(people))
    return sorted(found, key=lambda e: (-e.total, e.username))


def _exposures(session: Session, clock: Clock, *, users: list[User]) -> list[Exposure]:
    now = clock.now()
    profiles = (
        {
            p.user_id: p
            for p in session.scalars(
                select(AnalystProfile).where(AnalystProfile.user_id.in_([u.id for u in users]))
            )
        }
        if users
        else {}
    )
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
