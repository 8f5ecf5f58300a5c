"""Where each case's first report came from (insights counts volume by source; a statement of
reasons says whose notice started it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.intake.models import Report


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
