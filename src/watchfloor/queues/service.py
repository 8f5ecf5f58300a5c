"""Queues at work: what is waiting where, and giving an analyst the most urgent case they may take.

The rule `next` follows (queue given or not):

1. Only cases the analyst is qualified for: harm area among their skills (no skills set: any
   area, as before profiles existed) and, when the case has a language, one they read (no
   languages set: any). Once their graphic budget for the day is spent, no graphic case
   (graphic harm area, or any evidence marked graphic).
2. Due cases first: a case whose first-action deadline has passed or is at most
   ``due_margin_minutes`` (config/queues.yaml) away comes before every case that is not, so a
   low-priority queue is never starved past its SLA by a stream of fresh high-priority work.
3. Within each of those two tiers: highest priority, then earliest first-action deadline, then
   oldest.

Each tier is one LIMIT 1 … FOR UPDATE SKIP LOCKED probe along a partial index of waiting cases
(the second runs only when no due case is found), so concurrent claimers never wait on or get
the same case. On SQLite, write transactions take turns instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.cases import exposure, waiting
from watchfloor.cases import service as cases
from watchfloor.clock import Clock, day_start
from watchfloor.errors import Conflict, NotFound
from watchfloor.queues.routing import Queue, QueueConfig
from watchfloor.triage.taxonomy import Taxonomy

if TYPE_CHECKING:
    from watchfloor.auth.models import AnalystProfile
    from watchfloor.cases.models import Case

HELD_STATUSES = waiting.HELD_STATUSES


def get_or_raise(queues: QueueConfig, name: str) -> Queue:
    queue = queues.get(name)
    if queue is None:
        known = ", ".join(q.name for q in queues.queues)
        raise NotFound(f"no queue {name!r}; queues are: {known}")
    return queue


def open_cases(session: Session, *, user: User) -> int:
    """Open cases ``user`` holds (what their maximum counts)."""
    return int(session.scalar(waiting.held_count(user.id)) or 0)


def graphic_cases_today(session: Session, clock: Clock, *, user: User, time_zone: str) -> int:
    """``user``'s exposures since midnight in their time zone: graphic cases `next` handed them
    and evidence items they revealed in the console (see cases/exposure.py)."""
    since = day_start(clock.now(), time_zone)
    return int(session.scalar(exposure.exposures_since(user.id, since)) or 0)


def _graphic_areas(taxonomy: Taxonomy) -> list[str]:
    return [a.id for a in taxonomy.harm_areas if a.graphic]


def qualifications(
    session: Session,
    clock: Clock,
    *,
    analyst: User,
    profile: AnalystProfile | None,
    taxonomy: Taxonomy,
) -> waiting.Qualification | None:
    """Which waiting cases ``analyst`` may take; None when none can qualify (every skill is a
    graphic area and the graphic budget is spent). Conflict when they may take no more."""
    if profile is None:
        return waiting.Qualification()
    limit, budget = profile.max_open_cases, profile.graphic_daily_budget
    # Both counts in one round trip (each is an index lookup).
    counts = [
        waiting.held_count(analyst.id).scalar_subquery() if limit is not None else literal(0),
        exposure.exposures_since(
            analyst.id, day_start(clock.now(), profile.time_zone)
        ).scalar_subquery()
        if budget
        else literal(0),
    ]
    held, graphic_today = (
        session.execute(select(*counts)).one() if limit is not None or budget else (0, 0)
    )
    if limit is not None and held >= limit:
        raise Conflict(
            f"{analyst.username} holds {held} open case(s) and may hold at most "
            f"{limit} (max_open_cases); resolve or release one first",
            limit=limit,
            open_cases=held,
        )
    graphic_spent = budget is not None and graphic_today >= budget
    graphic_areas = _graphic_areas(taxonomy) if graphic_spent else []
    qualified = waiting.Qualification(
        languages=list(profile.languages), no_graphic_evidence=graphic_spent
    )
    if profile.skills:
        qualified.areas = [a for a in profile.skills if a not in graphic_areas]
        if not qualified.areas:
            return None
    else:
        qualified.excluded_areas = graphic_areas
    return qualified


def claim_next(
    session: Session,
    clock: Clock,
    *,
    queues: QueueConfig,
    queue: str | None,
    analyst: User,
    taxonomy: Taxonomy,
) -> Case | None:
    """Assign ``analyst`` the most urgent waiting case they are qualified for, from ``queue``
    or (None) from any queue; None if nothing fits. The rule is in this module's docstring."""
    if queue is not None:
        get_or_raise(queues, queue)
    # Locking the profile makes one analyst's claims take turns, so two at once cannot both
    # pass the open-case limit or the graphic budget.
    profile = auth.profile_for_update(session, user_id=analyst.id)
    qualified = qualifications(session, clock, analyst=analyst, profile=profile, taxonomy=taxonomy)
    if qualified is None:
        return None
    qualified.queue = queue
    due_by = clock.now() + timedelta(minutes=queues.due_margin_minutes)
    found = waiting.most_urgent_for_update(session, qualified=qualified, due_by=due_by)
    if found is None:
        return None
    case, graphic_evidence = found
    graphic = graphic_evidence or case.harm_area in _graphic_areas(taxonomy)
    if graphic:
        exposure.record_handed(session, user_id=analyst.id, case_id=case.id, at=clock.now())
    return cases.transition(
        session,
        clock,
        case=case,
        action="assign",
        actor=analyst,
        audit_extra={"via": "claim", **({"graphic": True} if graphic else {})},
    )


depth_by_queue_and_priority = waiting.depth_by_queue_and_priority
clocks_at_risk = waiting.clocks_at_risk
