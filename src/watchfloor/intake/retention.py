"""The retention job's changes to what arrived (compliance/retention): report text, evidence
bytes, reporters' and subjects' identifiers. The caller chooses the cases (closed, past their
period, not under legal hold, through the cases room); nothing here reads a case's state."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from watchfloor.intake.models import Evidence, EvidenceBlob, Report, Subject, SubjectIdentifier

REDACTED_PREFIX = "redacted-"


def _changed(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def redact_texts(session: Session, *, case_ids: Collection[int], placeholder: str) -> int:
    """Reports' text and their text evidence become ``placeholder``; the rows (harm area,
    priority, times) stay for counts. How many reports and evidence items changed."""
    reports = session.execute(
        update(Report)
        .where(Report.case_id.in_(list(case_ids)), Report.text != placeholder)
        .values(text=placeholder)
        .execution_options(synchronize_session=False)
    )
    evidence = session.execute(
        update(Evidence)
        .where(
            Evidence.report_id.in_(select(Report.id).where(Report.case_id.in_(list(case_ids)))),
            Evidence.kind == "text",
            Evidence.text != placeholder,
        )
        .values(text=placeholder)
        .execution_options(synchronize_session=False)
    )
    return _changed(reports) + _changed(evidence)


def redact_reporters(session: Session, *, case_ids: Collection[int]) -> int:
    """Forget who sent the reports on these cases (their kind stays). How many changed."""
    return _changed(
        session.execute(
            update(Report)
            .where(Report.case_id.in_(list(case_ids)), Report.reporter_id.is_not(None))
            .values(reporter_id=None)
            .execution_options(synchronize_session=False)
        )
    )


def file_hashes(session: Session, *, case_ids: Collection[int]) -> dict[str, set[int]]:
    """The stored files of these cases' reports, each with every case holding the same bytes
    (a file is stored once per hash, so another case may still need it)."""
    hashes = (
        select(Evidence.sha256)
        .join(Report, Report.id == Evidence.report_id)
        .where(Report.case_id.in_(list(case_ids)), Evidence.kind == "file")
    )
    rows = session.execute(
        select(Evidence.sha256, Report.case_id)
        .join(Report, Report.id == Evidence.report_id)
        .where(Evidence.sha256.in_(hashes), Evidence.kind == "file")
        .distinct()
    ).all()
    found: dict[str, set[int]] = {}
    for sha, case_id in rows:
        found.setdefault(sha, set()).add(case_id)
    return found


def delete_file_bytes(session: Session, *, hashes: Collection[str]) -> int:
    """Delete stored file bytes; evidence rows keep their hashes, so hash matching still works
    and the console says the bytes are no longer stored. How many files went."""
    if not hashes:
        return 0
    return _changed(
        session.execute(delete(EvidenceBlob).where(EvidenceBlob.sha256.in_(list(hashes))))
    )


def redact_subjects(session: Session, *, subject_ids: Collection[int]) -> int:
    """Subjects lose their identifiers and name; the row and its violation count stay (a new
    report about the same account starts a new history). How many subjects changed."""
    ids = list(subject_ids)
    session.execute(delete(SubjectIdentifier).where(SubjectIdentifier.subject_id.in_(ids)))
    changed = 0
    for subject in session.scalars(
        select(Subject).where(
            Subject.id.in_(ids), Subject.external_id.not_like(f"{REDACTED_PREFIX}%")
        )
    ):
        # Unique per kind, as (kind, external_id) must stay.
        subject.external_id = f"{REDACTED_PREFIX}{subject.id}"
        subject.display_name = None
        changed += 1
    return changed
