"""The shift hand-off: the brief a lead reads at the change of shift, and recording that it
was handed over (the next brief starts from there)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import oversight
from watchfloor.cases.exposure import NOT_FOR_YOUR_ROLE
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.errors import Forbidden
from watchfloor.intake import service as intake
from watchfloor.oncall import brief as rules
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import OncallConfig
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


def brief(
    session: Session,
    clock: Clock,
    config: OncallConfig,
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
        urgent_open_total=oversight.count_urgent(session, worst=Priority.P1),
        due_next_shift=_due(session, now, until),
        on_call=_on_call(session, config, now, until),
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
    return [
        UrgentCaseOut(
            key=case_key(h.case.id),
            priority=Priority(h.case.priority).label,
            harm_area=h.case.harm_area,
            status=h.case.status,
            queue=h.case.queue,
            assignee=h.holder,
            summary=None if h.case.harm_area in withheld else h.case.summary,
            withheld=NOT_FOR_YOUR_ROLE if h.case.harm_area in withheld else None,
            created_at=h.case.created_at,
        )
        for h in oversight.most_urgent(session, worst=Priority.P1, limit=MAX_ROWS)
    ]


def _due(session: Session, now: datetime, until: datetime) -> list[DueCaseOut]:
    """Open cases whose first action (if not taken yet) or resolution falls due by ``until``,
    including those already overdue (breached), soonest first."""
    return [
        DueCaseOut(
            key=case_key(d.case.id),
            priority=Priority(d.case.priority).label,
            harm_area=d.case.harm_area,
            assignee=d.holder,
            clock=d.clock,
            due_at=d.due_at,
            state="breached" if d.due_at <= now else "due",
        )
        for d in oversight.falling_due(session, until=until, limit=MAX_ROWS)
    ]


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


def _on_call(
    session: Session, config: OncallConfig, now: datetime, until: datetime
) -> list[OnCallOut]:
    """Who is on call on each schedule as the brief is read, and when the next shift ends."""
    return [
        OnCallOut(
            schedule=name,
            now=oncall.on_call(session, config, name, now),
            at_shift_end=oncall.on_call(session, config, name, until),
        )
        for name in oncall.schedule_names(config)
    ]


def _volume(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    return intake.received_by_area(session, start=start, end=end)
