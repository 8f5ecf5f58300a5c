"""What the on-call console pages show, read through the on-call services: per schedule who is on
call now and who is next, the overrides in force or coming, and pages in the order people should
answer them (most severe first, then oldest)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from watchfloor.oncall import paging
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import OncallConfig
from watchfloor.oncall.models import Page
from watchfloor.oncall.page_notices import page_key, person_of
from watchfloor.oncall.rotations import Shift

# Further ahead than any hand-off a rota has (weekly at most, monthly in odd cases).
LOOK_AHEAD = timedelta(days=35)
RECENTLY_RESOLVED = 20


@dataclass(frozen=True)
class Roster:
    """One schedule as the on-call page shows it."""

    schedule: str
    title: str
    now: Shift | None
    next: Shift | None
    rota: list[str]


@dataclass(frozen=True)
class OverrideRow:
    """An override in force or coming; ``id`` is None for one written in config/oncall.yaml,
    which only an edit of that file removes."""

    id: int | None
    schedule: str
    user: str
    replaces: str | None
    start: datetime
    end: datetime
    reason: str
    by: str


@dataclass(frozen=True)
class PageRow:
    id: int
    key: str
    severity: str
    state: str
    summary: str
    case_key: str | None
    schedule: str | None
    level: int
    paged: list[str]
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None


def rosters(session: Session, config: OncallConfig, at: datetime) -> list[Roster]:
    """Every schedule, sorted by name: the shift at ``at`` and the one after it."""
    found = []
    for name, schedule in sorted(config.schedules.items()):
        current = oncall.shift_at(session, config, name, at)
        rota = sorted({p for layer in schedule.layers for p in layer.participants})
        after = next_shift(session, config, name, at, current)
        found.append(Roster(name, schedule.title, current, after, rota))
    return found


def next_shift(
    session: Session, config: OncallConfig, schedule: str, at: datetime, current: Shift | None
) -> Shift | None:
    """The first shift to start after the one under way at ``at`` (or after ``at`` when nobody
    is on call), within ``LOOK_AHEAD``."""
    after = current.end if current is not None else at
    ahead = oncall.shifts(session, config, schedule, at, at + LOOK_AHEAD)
    return next((s for s in ahead if s.start >= after), None)


def overrides(session: Session, config: OncallConfig, now: datetime) -> list[OverrideRow]:
    """Overrides that have not ended, from the file and from the console or API, soonest first."""
    from_file = [
        OverrideRow(
            None,
            name,
            o.user,
            o.replaces,
            o.start.astimezone(UTC),
            o.end.astimezone(UTC),
            o.reason,
            "config/oncall.yaml",
        )
        for name, schedule in config.schedules.items()
        for o in schedule.overrides
        if o.end > now
    ]
    made = [
        OverrideRow(
            r.id,
            r.schedule,
            r.user,
            r.replaces,
            r.starts_at,
            r.ends_at,
            r.reason,
            person_of(r.created_by),
        )
        for r in oncall.list_overrides(session, config, schedule=None, now=now)
    ]
    return sorted([*from_file, *made], key=lambda o: (o.start, o.schedule, o.id or 0))


def answer_order(page: Page) -> tuple[int, datetime, int]:
    """Most severe first, then the one waiting longest."""
    severity = (
        paging.SEVERITIES.index(page.severity)
        if page.severity in paging.SEVERITIES
        else len(paging.SEVERITIES)
    )
    return severity, page.created_at, page.id


def open_pages(session: Session) -> list[PageRow]:
    """Pages triggered or acknowledged, most severe and oldest first."""
    found: list[Page] = []
    for state in paging.OPEN_STATES:
        found += paging.list_pages(session, state=state, limit=200)
    return _rows(sorted(found, key=answer_order))


def recently_resolved(session: Session) -> list[PageRow]:
    """The last pages resolved, newest first."""
    return _rows(paging.list_pages(session, state="resolved", limit=RECENTLY_RESOLVED))


def _rows(pages: Iterable[Page]) -> list[PageRow]:
    return [
        PageRow(
            id=p.id,
            key=page_key(p),
            severity=p.severity,
            state=p.state,
            summary=p.summary,
            case_key=p.case_key,
            schedule=p.schedule,
            level=p.step + 1,
            paged=list(p.paged),
            created_at=p.created_at,
            acknowledged_by=person_of(p.acknowledged_by) if p.acknowledged_by else None,
            acknowledged_at=p.acknowledged_at,
            resolved_by=person_of(p.resolved_by) if p.resolved_by else None,
            resolved_at=p.resolved_at,
        )
        for p in pages
    ]


def known_people(config: OncallConfig) -> list[str]:
    """Everyone an override may put on call, sorted."""
    return sorted(oncall.known_people(config))
