"""The shift hand-off: the brief a lead reads at the change of shift, and recording that it
was handed over (the next brief starts from there)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases.exposure import NOT_FOR_YOUR_ROLE
from watchfloor.cases.lifecycle import OPEN_STATUSES
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.errors import Forbidden
from watchfloor.intake.models import Report
from watchfloor.oncall import brief as rules
from watchfloor.oncall import service as oncall
from watchfloor.oncall.handoff_models import Handoff
from watchfloor.oncall.handoff_schemas import (
    DueCaseOut,
    HandoffBrief,
    HandoffRecordOut,
    OnCallOut,
    PageOut,
    UrgentCaseOut,
)
from watchfloor.oncall.models import Page
from watchfloor.oncall.page_notices import page_key
from watchfloor.triage.taxonomy import Priority

MAX_ROWS = 200  # per section: a brief is read by a person
OPEN = sorted(s.value for s in OPEN_STATUSES)


def brief(
    session: Session,
    clock: Clock,
    *,
    shift_hours: float = 8.0,
    withheld: frozenset[str] = frozenset(),
) -> HandoffBrief:
    """What the incoming shift must know, as of now; without the summaries of cases in the
    ``withheld`` harm areas (``cases.exposure.withheld_areas`` of the reader's role)."""
    now = clock.now()
    last = session.execute(
        select(Handoff.at, User.username)
        .join(User, User.id == Handoff.by_id)
        .order_by(Handoff.at.desc(), Handoff.id.desc())
        .limit(1)
    ).first()
    since = last.at if last else now - timedelta(hours=shift_hours)
    until = now + timedelta(hours=shift_hours)
    return HandoffBrief(
        generated_at=now,
        since=since,
        last_handoff_by=last.username if last else None,
        next_shift_until=until,
        urgent_open=_urgent(session, withheld),
        urgent_open_total=session.scalar(
            select(func.count()).where(Case.status.in_(OPEN), Case.priority <= int(Priority.P1))
        )
        or 0,
        due_next_shift=_due(session, now, until),
        on_call=_on_call(session, now, until),
        pages=_pages(session, since),
        volume=rules.volume_rows(
            _volume(session, now - timedelta(hours=1), now),
            _volume(session, now - timedelta(days=7, hours=1), now - timedelta(days=7)),
        ),
    )


def record(session: Session, clock: Clock, *, by: User, note: str) -> HandoffRecordOut:
    """Record that ``by`` took the hand-off now: a shift lead's act (whoever may act on anyone's
    case), from the API and the CLI alike."""
    if not can(by.role, Permission.CASES_ASSIGN_ANY):
        raise Forbidden(
            f"{by.username} is {by.role}: only a lead may record a hand-off (a viewer, analyst "
            "or other role may read the brief)"
        )
    row = Handoff(at=clock.now(), by_id=by.id, note=note)
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=row.at,
        actor=f"user:{by.username}",
        action="handoff.recorded",
        object_type="handoff",
        object_id=str(row.id),
        after={"note": note},
    )
    return HandoffRecordOut(id=row.id, at=row.at, by=by.username, note=note)


def _urgent(session: Session, withheld: frozenset[str]) -> list[UrgentCaseOut]:
    rows = session.execute(
        select(Case, User.username)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.status.in_(OPEN), Case.priority <= int(Priority.P1))
        .order_by(Case.priority, Case.created_at, Case.id)
        .limit(MAX_ROWS)
    ).all()
    return [
        UrgentCaseOut(
            key=case_key(c.id),
            priority=Priority(c.priority).label,
            harm_area=c.harm_area,
            status=c.status,
            queue=c.queue,
            assignee=username,
            summary=None if c.harm_area in withheld else c.summary,
            withheld=NOT_FOR_YOUR_ROLE if c.harm_area in withheld else None,
            created_at=c.created_at,
        )
        for c, username in rows
    ]


def _due(session: Session, now: datetime, until: datetime) -> list[DueCaseOut]:
    """Open cases whose first action (if not taken yet) or resolution falls due by ``until``,
    including those already overdue (breached), soonest first."""
    found: list[DueCaseOut] = []
    for clock_name, column, not_done in (
        ("first_action", Case.first_action_due_at, Case.first_action_at.is_(None)),
        ("resolution", Case.resolve_due_at, Case.resolved_at.is_(None)),
    ):
        rows = session.execute(
            select(Case, User.username, column)
            .outerjoin(User, User.id == Case.assignee_id)
            .where(Case.status.in_(OPEN), not_done, column <= until)
            .order_by(column, Case.id)
            .limit(MAX_ROWS)
        ).all()
        found += [
            DueCaseOut(
                key=case_key(c.id),
                priority=Priority(c.priority).label,
                harm_area=c.harm_area,
                assignee=username,
                clock=clock_name,
                due_at=due,
                state="breached" if due <= now else "due",
            )
            for c, username, due in rows
        ]
    found.sort(key=lambda d: (d.due_at, d.key))
    return found[:MAX_ROWS]


def _pages(session: Session, since: datetime) -> list[PageOut]:
    """Every page still open, however old (it is the next shift's now), and every page since
    ``since``."""
    rows = session.scalars(
        select(Page)
        .where(or_(Page.created_at >= since, Page.state != "resolved"))
        .order_by(Page.created_at.desc(), Page.id.desc())
        .limit(MAX_ROWS)
    ).all()
    return [
        PageOut(
            key=page_key(p),
            at=p.created_at,
            severity=p.severity,
            state=p.state,
            summary=p.summary,
            case=p.case_key,
        )
        for p in rows
    ]


def _on_call(session: Session, now: datetime, until: datetime) -> list[OnCallOut]:
    """Who is on call on each schedule as the brief is read, and when the next shift ends."""
    return [
        OnCallOut(
            schedule=name,
            now=oncall.on_call(session, name, now),
            at_shift_end=oncall.on_call(session, name, until),
        )
        for name in oncall.schedule_names(session)
    ]


def _volume(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(
        select(Report.harm_area, func.count())
        .where(Report.received_at >= start, Report.received_at < end)
        .group_by(Report.harm_area)
    ).all()
    return {area: n for area, n in rows}
