"""Where each case's first report came from (insights counts volume by source; a statement of
reasons says whose notice started it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.intake.models import Evidence, Report


def first_sources(session: Session, *, case_ids: Sequence[int]) -> dict[int, str]:
    """case id → the source of its earliest report (cases without a report are left out)."""
    return {case_id: o.source for case_id, o in first_reports(session, case_ids=case_ids).items()}


@dataclass(frozen=True)
class Origin:
    """Who sent a case's first report, through what, and when it arrived."""

    source: str
    reporter_kind: str
    reporter_id: str | None
    received_at: datetime


def first_reports(session: Session, *, case_ids: Sequence[int]) -> dict[int, Origin]:
    """case id → where its earliest report came from (cases without a report are left out)."""
    found: dict[int, Origin] = {}
    for start in range(0, len(case_ids), 1000):
        chunk = list(case_ids[start : start + 1000])
        first = (
            select(func.min(Report.id)).where(Report.case_id.in_(chunk)).group_by(Report.case_id)
        )
        for r in session.execute(
            select(
                Report.case_id,
                Report.source,
                Report.reporter_kind,
                Report.reporter_id,
                Report.received_at,
            ).where(Report.id.in_(first))
        ):
            found[r.case_id] = Origin(r.source, r.reporter_kind, r.reporter_id, r.received_at)
    return found


@dataclass(frozen=True)
class Arrived:
    """A report in arrival order, with what its metadata says it is (``request_type``)."""

    report_id: int
    case_id: int
    source: str
    reporter_kind: str
    received_at: datetime
    request_type: str | None
    golden: bool  # a golden copy's report (quality's test cases): not an arrival


def _request_type(extra: object) -> str | None:
    metadata = extra.get("metadata") if isinstance(extra, dict) else None
    value = metadata.get("request_type") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None


def arrived_after(session: Session, *, after_id: int, limit: int) -> list[Arrived]:
    """Reports with ids above ``after_id``, oldest first (the legal-triggers job reads them)."""
    rows = session.execute(
        select(
            Report.id,
            Report.case_id,
            Report.source,
            Report.reporter_kind,
            Report.received_at,
            Report.extra,
            Report.copy_of_id,
        )
        .where(Report.id > after_id)
        .order_by(Report.id)
        .limit(limit)
    ).all()
    return [
        Arrived(r.id, r.case_id, r.source, r.reporter_kind, r.received_at,
                _request_type(r.extra), r.copy_of_id is not None)
        for r in rows
    ]  # fmt: skip


def first_request_types(session: Session, *, case_ids: Sequence[int]) -> dict[int, str | None]:
    """case id -> what its earliest report's metadata says it is (``request_type``), if anything."""
    found: dict[int, str | None] = {}
    for start in range(0, len(case_ids), 1000):
        chunk = list(case_ids[start : start + 1000])
        first = (
            select(func.min(Report.id)).where(Report.case_id.in_(chunk)).group_by(Report.case_id)
        )
        for case_id, extra in session.execute(
            select(Report.case_id, Report.extra).where(Report.id.in_(first))
        ):
            found[case_id] = _request_type(extra)
    return found


@dataclass(frozen=True)
class HashCopy:
    """Evidence on another case with the same SHA-256 as evidence of this one: a known identical
    copy (TAKE IT DOWN Act). Ids and the hash only, never the content."""

    evidence_id: int
    case_id: int
    sha256: str


def hash_copies(session: Session, *, case_id: int, limit: int = 1000) -> list[HashCopy]:
    """Evidence of other cases identical (same SHA-256) to a file of this case's, oldest first.
    Text evidence is left out: a removal is of imagery, and short texts collide by chance."""
    mine = (
        select(Evidence.sha256)
        .join(Report, Report.id == Evidence.report_id)
        .where(Report.case_id == case_id, Evidence.kind == "file")
    )
    rows = session.execute(
        select(Evidence.id, Report.case_id, Evidence.sha256)
        .join(Report, Report.id == Evidence.report_id)
        .where(
            Evidence.sha256.in_(mine),
            Evidence.kind == "file",
            Report.case_id != case_id,
            Report.copy_of_id.is_(None),
        )
        .order_by(Evidence.id)
        .limit(limit)
    ).all()
    return [HashCopy(r.id, r.case_id, r.sha256) for r in rows]
