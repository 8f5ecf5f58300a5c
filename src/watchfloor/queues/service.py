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

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session

from watchfloor.auth.models import AnalystProfile, GraphicExposure, User
from watchfloor.cases import service as cases
from watchfloor.cases.models import OPEN_SQL, Case
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, NotFound
from watchfloor.intake.models import Evidence, Report
from watchfloor.queues.routing import Queue, QueueConfig
from watchfloor.triage.taxonomy import Taxonomy

# Written out (not bound) so PostgreSQL can prove the partial indexes of waiting cases apply.
_WAITING = text("cases.assignee_id IS NULL AND cases.status IN ('new', 'triaged')")
# What counts against an analyst's maximum: every open case they hold.
HELD_STATUSES = ("assigned", "in_review", "pending_info", "escalated")


def get_or_raise(queues: QueueConfig, name: str) -> Queue:
    queue = queues.get(name)
    if queue is None:
        known = ", ".join(q.name for q in queues.queues)
        raise NotFound(f"no queue {name!r}; queues are: {known}")
    return queue


def day_start(now: datetime, time_zone: str) -> datetime:
    """The UTC instant the day containing ``now`` began in ``time_zone`` (pure)."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def _held(user: User) -> Select[int]:
    return (
        select(func.count())
        .select_from(Case)
        .where(Case.assignee_id == user.id, Case.status.in_(HELD_STATUSES))
    )


def _graphic_since(user: User, since: datetime) -> Select[int]:
    return (
        select(func.count())
        .select_from(GraphicExposure)
        .where(GraphicExposure.user_id == user.id, GraphicExposure.at >= since)
    )


def open_cases(session: Session, *, user: User) -> int:
    """Open cases ``user`` holds (what their maximum counts)."""
    return int(session.scalar(_held(user)) or 0)


def graphic_cases_today(session: Session, clock: Clock, *, user: User, time_zone: str) -> int:
    """``user``'s exposures since midnight in their time zone: graphic cases `next` handed them
    and evidence items they revealed in the console (see cases/exposure.py)."""
    since = day_start(clock.now(), time_zone)
    return int(session.scalar(_graphic_since(user, since)) or 0)


def _has_graphic_evidence() -> ColumnElement[bool]:
    return exists(
        select(1)
        .select_from(Report)
        .join(Evidence, Evidence.report_id == Report.id)
        .where(Report.case_id == Case.id, Evidence.sensitivity == "graphic")
    )


def _graphic_areas(taxonomy: Taxonomy) -> list[str]:
    return [a.id for a in taxonomy.harm_areas if a.graphic]


def _reads(languages: list[str]) -> ColumnElement[bool]:
    """The case has no language, or one of ``languages``; 'pt' also reads 'pt-BR'."""
    lang = func.lower(Case.language)
    return or_(
        Case.language.is_(None),
        lang.in_(languages),
        *(lang.like(f"{tag}-%") for tag in languages),
    )


def qualifications(
    session: Session,
    clock: Clock,
    *,
    analyst: User,
    profile: AnalystProfile | None,
    taxonomy: Taxonomy,
) -> list[ColumnElement[bool]] | None:
    """The conditions a case must meet for ``analyst``; None when no case can meet them (every
    skill is a graphic area and the graphic budget is spent). Conflict when they may take no
    more."""
    if profile is None:
        return []
    limit, budget = profile.max_open_cases, profile.graphic_daily_budget
    # Both counts in one round trip (each is an index lookup).
    counts = [
        _held(analyst).scalar_subquery() if limit is not None else literal(0),
        _graphic_since(analyst, day_start(clock.now(), profile.time_zone)).scalar_subquery()
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
    conditions: list[ColumnElement[bool]] = []
    if profile.skills:
        areas = [a for a in profile.skills if a not in graphic_areas]
        if not areas:
            return None
        conditions.append(Case.harm_area.in_(areas))
    elif graphic_areas:
        conditions.append(Case.harm_area.not_in(graphic_areas))
    if profile.languages:
        conditions.append(_reads(profile.languages))
    if graphic_spent:
        conditions.append(~_has_graphic_evidence())
    return conditions


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
    profile = session.scalar(
        select(AnalystProfile).where(AnalystProfile.user_id == analyst.id).with_for_update()
    )
    conditions = qualifications(session, clock, analyst=analyst, profile=profile, taxonomy=taxonomy)
    if conditions is None:
        return None
    if queue is not None:
        conditions.append(Case.queue == queue)
    # Whether its evidence is graphic comes with the case, saving a round trip per claim.
    most_urgent = (
        select(Case, _has_graphic_evidence())
        .where(_WAITING, *conditions)
        .order_by(Case.priority, Case.first_action_due_at, Case.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    due_by = clock.now() + timedelta(minutes=queues.due_margin_minutes)
    found = session.execute(most_urgent.where(Case.first_action_due_at <= due_by)).first()
    if found is None:
        found = session.execute(most_urgent).first()
    if found is None:
        return None
    case, graphic_evidence = found
    graphic = graphic_evidence or case.harm_area in _graphic_areas(taxonomy)
    if graphic:
        session.add(GraphicExposure(user_id=analyst.id, case_id=case.id, at=clock.now()))
    return cases.transition(
        session,
        clock,
        case=case,
        action="assign",
        actor=analyst,
        audit_extra={"via": "claim", **({"graphic": True} if graphic else {})},
    )


def depth_by_queue_and_priority(session: Session) -> list[tuple[str, int, int, datetime]]:
    """Cases waiting to be claimed: (queue, priority, how many, when the oldest was opened) for
    each queue and priority that has any; what /metrics reports as queue depth."""
    rows = session.execute(
        select(Case.queue, Case.priority, func.count(), func.min(Case.created_at))
        .where(_WAITING)
        .group_by(Case.queue, Case.priority)
    )
    return [(queue, priority, int(n), oldest) for queue, priority, n, oldest in rows]


def clocks_at_risk(session: Session, *, now: datetime) -> list[tuple[str, str, str, int]]:
    """Running SLA clocks of open cases in warning or breach at ``now``: (queue, clock, state,
    how many), with clock ``first_action`` or ``resolution``, judged as ``sla.clock_state``
    judges one case (a clock the sweep has not reached yet counts by its due time)."""
    running = Case.sla_paused_at.is_(None)
    counted: list[tuple[str, str, ColumnElement[bool]]] = []
    at_risk: list[ColumnElement[bool]] = []
    for name, due, warn, done, breached in (
        (
            "first_action",
            Case.first_action_due_at,
            Case.first_action_warn_at,
            Case.first_action_at,
            Case.first_action_breached_at,
        ),
        (
            "resolution",
            Case.resolve_due_at,
            Case.resolve_warn_at,
            Case.resolved_at,
            Case.resolve_breached_at,
        ),
    ):
        late = done.is_(None) & (breached.is_not(None) | (running & (due <= now)))
        warning = done.is_(None) & running & breached.is_(None) & (warn <= now) & (due > now)
        counted += [(name, "warning", warning), (name, "breached", late)]
        at_risk += [late, warning]
    # One pass over the open cases for both clocks.
    rows = session.execute(
        select(Case.queue, *(func.count().filter(c) for _, _, c in counted))
        .where(text(OPEN_SQL), or_(*at_risk))
        .group_by(Case.queue)
    )
    return [
        (row[0], name, state, int(n))
        for row in rows
        for (name, state, _), n in zip(counted, row[1:], strict=True)
    ]
