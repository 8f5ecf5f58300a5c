"""Copies of a case's reports for a golden copy of it (quality's unannounced test cases).

Reports belong to intake, so the cases room asks here. Each copy keeps the original's text,
reporter, subject, triage and evidence (file bytes are shared, stored once per hash), arrives
``now`` and goes to the copy; its external id gets a suffix, since a source's ids are unique.
It names the report it copies (``copy_of_id``), so volumes and clusters never count it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.intake.models import Evidence, Report

EXTERNAL_ID_MAX = 256

# Columns a copy takes as they are; id, case, arrival times and external id are set anew.
_SAME = (
    "source",
    "reporter_kind",
    "reporter_id",
    "subject_id",
    "text",
    "category_hint",
    "region",
    "language",
    "detected_language",
    "language_confidence",
    "harm_area",
    "priority",
    "triage_reasons",
    "risk_score",
    "area_scores",
    "harm_areas",
    "triage_flags",
    "taxonomy_version",
    "extra",
)
_EVIDENCE = ("kind", "text", "filename", "media_type", "size", "sha256", "md5", "sensitivity")


def copy_reports(
    session: Session, *, from_case_id: int, to_case_id: int, now: datetime
) -> list[int]:
    """Copy every report of case ``from_case_id`` (and its evidence) onto ``to_case_id``, as
    received ``now``; the new reports' ids, oldest first."""
    originals = session.scalars(
        select(Report).where(Report.case_id == from_case_id).order_by(Report.id)
    ).all()
    ids: list[int] = []
    for original in originals:
        suffix = f"-{to_case_id}"
        copy = Report(
            **{name: getattr(original, name) for name in _SAME},
            external_id=original.external_id[: EXTERNAL_ID_MAX - len(suffix)] + suffix,
            case_id=to_case_id,
            copy_of_id=original.id,
            received_at=now,
            # Reported as long before arrival as the original was.
            reported_at=now - max(original.received_at - original.reported_at, timedelta(0)),
        )
        session.add(copy)
        session.flush()
        for ev in session.scalars(
            select(Evidence).where(Evidence.report_id == original.id).order_by(Evidence.id)
        ):
            session.add(Evidence(report_id=copy.id, **{n: getattr(ev, n) for n in _EVIDENCE}))
        ids.append(copy.id)
    session.flush()
    return ids
