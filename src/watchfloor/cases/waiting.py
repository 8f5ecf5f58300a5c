"""Waiting and held cases, as queues and `next` see them: the SQL over the cases table that
picks the most urgent case an analyst may take, counts what each person holds, and measures
every queue's depth and clocks at risk.

Queues decide who may take what (queues/service.py); this module turns that into one statement
along the partial indexes of waiting cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session

from watchfloor.cases import listing
from watchfloor.cases.lifecycle import CLAIMABLE_STATUSES
from watchfloor.cases.models import OPEN_SQL, Case
from watchfloor.intake import service as intake

# Written out (not bound) so PostgreSQL can prove the partial indexes of waiting cases apply.
WAITING = text("cases.assignee_id IS NULL AND cases.status IN ('new', 'triaged')")
# What counts against an analyst's maximum: every open case they hold.
HELD_STATUSES = ("assigned", "in_review", "pending_info", "escalated")


@dataclass
class Qualification:
    """Which waiting cases one analyst may take: harm areas among ``areas`` (None: any) and not
    among ``excluded_areas``; a language they read, if the case has one (no ``languages``: any);
    with ``no_graphic_evidence``, none whose reports carry graphic evidence; from ``queue`` only
    when given."""

    areas: list[str] | None = None
    excluded_areas: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    no_graphic_evidence: bool = False
    queue: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.areas is not None:
            found.append(Case.harm_area.in_(self.areas))
        if self.excluded_areas:
            found.append(Case.harm_area.not_in(self.excluded_areas))
        if self.languages:
            found.append(_reads(self.languages))
        if self.no_graphic_evidence:
            found.append(~intake.has_graphic_evidence(Case.id))
        if self.queue is not None:
            found.append(Case.queue == self.queue)
        return found


def _reads(languages: list[str]) -> ColumnElement[bool]:
    """The case has no language, or one of ``languages``; 'pt' also reads 'pt-BR'."""
    lang = func.lower(Case.language)
    return or_(
        Case.language.is_(None),
        lang.in_(languages),
        *(lang.like(f"{tag}-%") for tag in languages),
    )


def held_count(user_id: int) -> Select[int]:
    """A query: how many open cases the person holds (what their maximum counts)."""
    return (
        select(func.count())
        .select_from(Case)
        .where(Case.assignee_id == user_id, Case.status.in_(HELD_STATUSES))
    )


def most_urgent_for_update(
    session: Session, *, qualified: Qualification, due_by: datetime
) -> tuple[Case, bool] | None:
    """The most urgent waiting case ``qualified`` allows, locked (skipping cases others have
    locked), with whether its evidence is graphic; due cases (first action due by ``due_by``)
    before every other; None when nothing fits."""
    most_urgent = (
        select(Case, intake.has_graphic_evidence(Case.id))
        .where(WAITING, *qualified.conditions())
        .order_by(Case.priority, Case.first_action_due_at, Case.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    found = session.execute(most_urgent.where(Case.first_action_due_at <= due_by)).first()
    if found is None:
        found = session.execute(most_urgent).first()
    if found is None:
        return None
    case, graphic_evidence = found
    return case, bool(graphic_evidence)


def depth_by_queue_and_priority(session: Session) -> list[tuple[str, int, int, datetime]]:
    """Cases waiting to be claimed: (queue, priority, how many, when the oldest was opened) for
    each queue and priority that has any; what /metrics reports as queue depth."""
    rows = session.execute(
        select(Case.queue, Case.priority, func.count(), func.min(Case.created_at))
        .where(WAITING)
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


def first_action_due_between(
    session: Session, *, after: datetime, until: datetime, priorities: list[int], limit: int
) -> Sequence[Case]:
    """Waiting (unassigned, new or triaged) cases of ``priorities`` whose first-action clock runs
    and falls due in (``after``, ``until``] without having breached, soonest due first, at most
    ``limit``. Read only: nothing is locked, so claimers never skip them. Golden copies (quality's
    unannounced test cases) are left out: nobody is paged for one."""
    return session.scalars(
        select(Case)
        .where(
            WAITING,
            Case.golden_of_id.is_(None),
            Case.first_action_due_at > after,
            Case.first_action_due_at <= until,
            Case.priority.in_(priorities),
            Case.first_action_at.is_(None),
            Case.first_action_breached_at.is_(None),
        )
        .order_by(Case.first_action_due_at, Case.id)
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class OpenWork:
    """Open cases of one queue and priority, waiting or being worked: how many, the oldest, the
    nearest first-action deadline, and how many clocks are breached or in warning."""

    queue: str
    priority: int
    waiting: bool
    count: int
    oldest_at: datetime
    next_due_at: datetime | None
    first_action_breached: int
    first_action_warning: int
    resolve_breached: int


def open_work(session: Session, *, now: datetime) -> list[OpenWork]:
    """Every queue's open work by priority, waiting or being worked, in one pass."""
    waiting = and_(Case.assignee_id.is_(None), Case.status.in_(CLAIMABLE_STATUSES))
    running = Case.sla_paused_at.is_(None)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(
            Case.queue,
            Case.priority,
            waiting.label("waiting"),
            func.count(),
            func.min(Case.created_at),
            func.min(Case.first_action_due_at),
            count(and_(running, Case.first_action_due_at <= now)),
            count(and_(running, Case.first_action_warn_at <= now, Case.first_action_due_at > now)),
            count(and_(running, Case.resolve_due_at <= now)),
        )
        .where(text(OPEN_SQL))
        .group_by(Case.queue, Case.priority, waiting)
    ).all()
    return [
        OpenWork(q, p, bool(w), int(n), oldest, due, int(b or 0), int(warn or 0), int(rb or 0))
        for q, p, w, n, oldest, due, b, warn, rb in rows
    ]


def queue_page(
    session: Session,
    *,
    queue: str,
    show: str,
    query: listing.ListQuery,
    now: datetime,
    assignee_id: int | None,
) -> listing.Page:
    """One page of a queue's open cases. ``show`` "waiting": those `next` can claim, by default
    in the order it serves them (the claimable index); "worked": those held or set aside, their
    deadline the resolution's; "open": both."""
    stmt = select(Case).where(Case.queue == queue)
    claimable = and_(Case.assignee_id.is_(None), Case.status.in_(CLAIMABLE_STATUSES))
    deadline: listing.Deadline = "running"
    if show == "waiting":
        stmt, deadline = stmt.where(claimable), "first_action"
    elif show == "worked":
        stmt, deadline = stmt.where(text(OPEN_SQL), ~claimable), "resolution"
    else:
        stmt = stmt.where(text(OPEN_SQL))
    stmt = listing.narrowed(stmt, query, now=now, assignee_id=assignee_id, deadline=deadline)
    return listing.page_of(
        session, listing.ordered(stmt, query.sort, deadline=deadline), query.page
    )
