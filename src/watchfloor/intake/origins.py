"""Where each case's first report came from (insights counts volume by source)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.intake.models import Report


def first_sources(session: Session, *, case_ids: Sequence[int]) -> dict[int, str]:
    """case id → the source of its earliest report (cases without a report are left out)."""
    found: dict[int, str] = {}
    for start in range(0, len(case_ids), 1000):
        chunk = list(case_ids[start : start + 1000])
        first = (
            select(func.min(Report.id)).where(Report.case_id.in_(chunk)).group_by(Report.case_id)
        )
        found.update(
            {
                case_id: source
                for case_id, source in session.execute(
                    select(Report.case_id, Report.source).where(Report.id.in_(first))
                )
            }
        )
    return found
