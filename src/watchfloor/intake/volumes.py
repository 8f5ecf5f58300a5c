"""Read-only views of received reports for insights: hourly volumes, recent report records, and
whether identifiers were seen in an earlier period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import exists, func, literal_column, or_, select
from sqlalchemy.orm import Session

from watchfloor.cases.schemas import case_key
from watchfloor.db import dialect_of, pairs_in
from watchfloor.intake.models import Report, Subject, SubjectIdentifier
from watchfloor.intake.subjects import identifiers_of
from watchfloor.triage.linking.identifiers import links

CountedBy = Literal["harm_area", "source"]
# Reports that arrived from outside: a golden copy's reports (intake/copies.py) did not.
ARRIVED = Report.copy_of_id.is_(None)


def _hour_of(session: Session) -> Any:
    """A SQL expression: the UTC hour a report arrived in, as text or a naive timestamp."""
    if dialect_of(session) == "postgresql":
        # AT TIME ZONE 'UTC' first: date_trunc on a timestamptz would cut in the session's zone.
        return func.date_trunc(
            "hour", Report.received_at.op("AT TIME ZONE")(literal_column("'UTC'"))
        )
    # SQLite keeps naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (db.UTCDateTime): its first 13
    # characters are the hour.
    return func.substr(Report.received_at, 1, 13)


def _as_hour(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(f"{value}:00:00").replace(tzinfo=UTC)


def hourly_counts(
    session: Session, *, start: datetime, end: datetime, by: CountedBy
) -> dict[str, dict[datetime, int]]:
    """Reports received in [start, end) per harm area or per source, per hour (its UTC start);
    hours without reports are left out."""
    column = Report.harm_area if by == "harm_area" else Report.source
    hour = _hour_of(session)
    rows = session.execute(
        select(column, hour, func.count())
        .where(Report.received_at >= start, Report.received_at < end, ARRIVED)
        .group_by(column, hour)
    ).all()
    counts: dict[str, dict[datetime, int]] = {}
    for key, at, n in rows:
        counts.setdefault(key, {})[_as_hour(at)] = int(n)
    return counts


def first_received(session: Session) -> datetime | None:
    """When the earliest stored report arrived: before it, volumes are unknown, not zero."""
    return session.scalar(select(func.min(Report.received_at)))


@dataclass(frozen=True)
class ReceivedReport:
    """What the cluster search needs of a report (insights.clusters.ReportRecord's fields)."""

    id: int
    case_key: str
    received_at: datetime
    text: str
    harm_area: str
    # "kind:value" of the subject and of the identifiers it holds that link anyone.
    subjects: tuple[str, ...]


def records_between(
    session: Session, *, start: datetime, end: datetime, limit: int
) -> list[ReceivedReport]:
    """Reports received in (start, end], oldest first; the latest ``limit`` when there are more."""
    rows = session.execute(
        select(
            Report.id,
            Report.case_id,
            Report.received_at,
            Report.text,
            Report.harm_area,
            Report.subject_id,
            Subject.kind,
            Subject.external_id,
        )
        .join(Subject, Subject.id == Report.subject_id)
        .where(Report.received_at > start, Report.received_at <= end, ARRIVED)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(limit)
    ).all()
    held: dict[int, list[str]] = {}
    subject_ids = sorted({r.subject_id for r in rows})
    for sid, kind, value in identifiers_of(session, subject_ids=subject_ids) if rows else []:
        if links(kind, value):
            held.setdefault(sid, []).append(f"{kind}:{value}")
    return [
        ReceivedReport(
            id=r.id,
            case_key=case_key(r.case_id),
            received_at=r.received_at,
            text=r.text,
            harm_area=r.harm_area,
            subjects=(f"{r.kind}:{r.external_id}", *sorted(held.get(r.subject_id, []))),
        )
        for r in reversed(rows)
    ]


def keys_held_between(
    session: Session, *, keys: list[tuple[str, str]], start: datetime, end: datetime
) -> set[tuple[str, str]]:
    """Which of these (kind, value) keys the subject of a report received in [start, end) had:
    as itself (kind, external id) or as one of its identifiers."""
    if not keys:
        return set()
    inside = (Report.received_at >= start, Report.received_at < end, ARRIVED)
    as_subject = select(Subject.kind, Subject.external_id).where(
        pairs_in(session, Subject.kind, Subject.external_id, keys),
        exists().where(Report.subject_id == Subject.id, *inside),
    )
    held = select(SubjectIdentifier.kind, SubjectIdentifier.value).where(
        pairs_in(session, SubjectIdentifier.kind, SubjectIdentifier.value, keys),
        exists().where(Report.subject_id == SubjectIdentifier.subject_id, *inside),
    )
    return {(k, v) for query in (as_subject, held) for k, v in session.execute(query)}


def texts_containing(
    session: Session, *, needles: list[str], start: datetime, end: datetime, limit: int
) -> list[str]:
    """Texts of reports received in [start, end) that contain one of ``needles`` (any case), at
    most ``limit`` of them, newest first."""
    if not needles:
        return []
    return list(
        session.scalars(
            select(Report.text)
            .where(
                Report.received_at >= start,
                Report.received_at < end,
                ARRIVED,
                or_(*(Report.text.icontains(n, autoescape=True) for n in needles)),
            )
            .order_by(Report.received_at.desc())
            .limit(limit)
        )
    )
