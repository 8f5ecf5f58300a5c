"""Reports, subjects and evidence: storing and finding them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    distinct,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from watchfloor.bulk import insert_ignoring_conflicts, upsert_returning
from watchfloor.cases.schemas import case_key
from watchfloor.db import core, dialect_of, in_list, one_of, pairs_in
from watchfloor.errors import NotFound
from watchfloor.intake.models import (
    Evidence,
    EvidenceBlob,
    Report,
    Subject,
    SubjectIdentifier,
    WaitingReport,
)
from watchfloor.intake.schemas import (
    EvidenceIn,
    EvidenceOut,
    ReporterIn,
    ReportOut,
    SubjectIn,
)
from watchfloor.triage.linking import identifiers as link_keys
from watchfloor.triage.taxonomy import Priority


def find_existing(
    session: Session, *, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Report]:
    """Reports already received, by (source, external_id)."""
    if not keys:
        return {}
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    # Most reports are new: ask for ids first (Core, cheap), load the ORM rows only for repeats.
    stmt, conn = _report_ids(dialect_of(session)), core(session)
    ids = [
        report_id
        for source, external_ids in by_source.items()
        for report_id in conn.scalars(stmt, {"source": source, "external_ids": external_ids})
    ]
    if not ids:
        return {}
    rows = session.scalars(select(Report).where(one_of(session, Report.id, list(ids)))).all()
    return {(r.source, r.external_id): r for r in rows}


@cache
def _report_ids(dialect: str) -> Select[int]:
    return select(Report.id).where(
        Report.source == bindparam("source"),
        in_list(dialect, Report.external_id, "external_ids"),
    )


class StoredSubject(NamedTuple):
    id: int
    violations: int  # cases of this subject decided a violation


def upsert_subjects_for_update(
    session: Session, *, subjects: list[SubjectIn], now: datetime
) -> dict[tuple[str, str], StoredSubject]:
    """Make sure every subject exists; return them by (kind, id), each row locked.

    The lock makes concurrent reports about one subject take turns, so two of them never open
    two cases for the same harm.
    """
    unique: dict[tuple[str, str], SubjectIn] = {}
    for s in subjects:
        unique.setdefault((s.kind, s.id), s)
    # Sorted, so concurrent batches lock shared subjects in the same order and never deadlock.
    table = cast(Table, Subject.__table__)
    rows = upsert_returning(
        session,
        table,
        [
            {
                "kind": k,
                "external_id": i,
                "display_name": unique[k, i].display_name,
                "created_at": now,
            }
            for k, i in sorted(unique)
        ],
        ["kind", "external_id"],
        refresh=["display_name"],
        returning=[table.c.id, table.c.kind, table.c.external_id, table.c.violations],
    )
    stored = {(kind, ext): StoredSubject(sid, n) for sid, kind, ext, n in rows}
    ids = {key: s.id for key, s in stored.items()}
    # Values arrive canonical (IdentifierIn normalises them); an e-mail also brings its domain.
    identifiers = {
        (ids[key], kind, value)
        for key, s in unique.items()
        for ident in s.identifiers
        for kind, value in [(ident.kind, ident.value), *link_keys.derived(ident.kind, ident.value)]
    }
    insert_ignoring_conflicts(
        session,
        SubjectIdentifier.__table__,
        [{"subject_id": sid, "kind": k, "value": v} for sid, k, v in sorted(identifiers)],
        ["subject_id", "kind", "value"],
    )
    return stored


def record_violation(session: Session, *, subject_id: int) -> None:
    """Count one more case of this subject decided a violation."""
    session.execute(
        update(Subject).where(Subject.id == subject_id).values(violations=Subject.violations + 1)
    )


_INSERT_REPORT = insert(cast(Table, Report.__table__))


def insert_reports(session: Session, rows: list[dict[str, Any]], *, ids: list[int]) -> None:
    """Insert reports (column dicts) with the given ids (see bulk.allocate_ids), in one statement."""
    core(session).execute(
        _INSERT_REPORT,
        [{**r, "id": i} for r, i in zip(rows, ids, strict=True)],
    )


def store_evidence(session: Session, *, items: list[tuple[int, EvidenceIn]]) -> None:
    """Hash and store each (report id, evidence); file bytes are kept once per SHA-256."""
    if not items:
        return
    blobs: dict[str, bytes] = {}
    rows = []
    for report_id, ev in items:
        data = ev.content() if ev.kind == "file" else (ev.text or "").encode()
        sha = hashlib.sha256(data).hexdigest()
        if ev.kind == "file":
            blobs[sha] = data
        rows.append(
            {
                "report_id": report_id,
                "kind": ev.kind,
                "text": ev.text,
                "filename": ev.filename,
                "media_type": ev.media_type,
                "size": len(data),
                "sha256": sha,
                "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "sensitivity": ev.sensitivity,
            }
        )
    insert_ignoring_conflicts(
        session,
        EvidenceBlob.__table__,
        [{"sha256": k, "content": v} for k, v in blobs.items()],
        ["sha256"],
    )
    core(session).execute(insert(cast(Table, Evidence.__table__)), rows)


def get_or_raise(session: Session, *, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report


def subject_of(session: Session, *, subject_id: int) -> tuple[Subject, Sequence[SubjectIdentifier]]:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(f"no subject {subject_id}")
    idents = session.scalars(
        select(SubjectIdentifier)
        .where(SubjectIdentifier.subject_id == subject_id)
        .order_by(SubjectIdentifier.id)
    ).all()
    return subject, idents


def reports_of_case(
    session: Session, *, case_id: int, limit: int | None = None
) -> Sequence[Report]:
    """The case's reports, oldest first; the first ``limit`` when given."""
    return session.scalars(
        select(Report).where(Report.case_id == case_id).order_by(Report.id).limit(limit)
    ).all()


def evidence_of(session: Session, *, report_ids: list[int]) -> dict[int, list[Evidence]]:
    found: dict[int, list[Evidence]] = {i: [] for i in report_ids}
    if report_ids:
        for ev in session.scalars(
            select(Evidence)
            .where(one_of(session, Evidence.report_id, report_ids))
            .order_by(Evidence.id)
        ):
            found[ev.report_id].append(ev)
    return found


def report_out(session: Session, report: Report, *, with_evidence: bool) -> ReportOut:
    """A report as the API shows it; evidence only for callers who may see it."""
    evidence = evidence_of(session, report_ids=[report.id])[report.id] if with_evidence else []
    return ReportOut(
        id=report.id,
        source=report.source,
        external_id=report.external_id,
        case=case_key(report.case_id),
        received_at=report.received_at,
        reported_at=report.reported_at,
        reporter=ReporterIn.model_validate(
            {"kind": report.reporter_kind, "id": report.reporter_id}
        ),
        subject=SubjectIn.model_validate(report.extra["subject"]),
        text=report.text,
        category=report.category_hint,
        region=report.region,
        language=report.language,
        detected_language=report.detected_language,
        language_confidence=report.language_confidence,
        harm_area=report.harm_area,
        priority=Priority(report.priority).label,
        reasons=list(report.triage_reasons),
        evidence=[EvidenceOut.model_validate(e) for e in evidence],
        metadata=report.extra.get("metadata", {}),
    )


def received_by_source(session: Session) -> dict[str, int]:
    """Reports received so far, by source: those stored and those waiting in the intake backlog.

    Counted from the tables (the unique index on source and external id answers it), so the
    count is the same from every process and survives restarts.
    """
    received: dict[str, int] = {}
    for model in (Report, WaitingReport):
        rows = session.execute(select(model.source, func.count()).group_by(model.source))
        for source, n in rows:
            received[source] = received.get(source, 0) + int(n)
    return received


def received_by_area(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """How many reports arrived in [start, end), per harm area triage gave them."""
    rows = session.execute(
        select(Report.harm_area, func.count())
        .where(Report.received_at >= start, Report.received_at < end)
        .group_by(Report.harm_area)
    ).all()
    return {area: n for area, n in rows}


def evidence_by_id(session: Session, *, ids: list[int]) -> dict[int, Evidence]:
    """These evidence items, by id (unknown ids are left out)."""
    if not ids:
        return {}
    return {
        e.id: e for e in session.scalars(select(Evidence).where(one_of(session, Evidence.id, ids)))
    }


def reports_by_case_from(
    session: Session, *, reporters: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[int, int]]:
    """How many reports each (kind, id) reporter sent, per case they went to; one query."""
    found: dict[tuple[str, str], dict[int, int]] = {r: {} for r in reporters}
    if not reporters:
        return found
    rows = session.execute(
        select(Report.reporter_kind, Report.reporter_id, Report.case_id, func.count())
        .where(pairs_in(session, Report.reporter_kind, Report.reporter_id, reporters))
        .group_by(Report.reporter_kind, Report.reporter_id, Report.case_id)
    ).all()
    for kind, reporter_id, case_id, n in rows:
        found[(kind, str(reporter_id))][case_id] = n
    return found


def texts_of_cases(session: Session, *, case_ids: list[int]) -> list[tuple[int, str]]:
    """(case id, text) of every report on these cases, in the order they arrived."""
    if not case_ids:
        return []
    rows = session.execute(
        select(Report.case_id, Report.text)
        .where(one_of(session, Report.case_id, case_ids))
        .order_by(Report.id)
    ).all()
    return [(case_id, text) for case_id, text in rows]


def reports_missing_from(
    session: Session, *, done: Any, after_id: int, limit: int
) -> Sequence[Report]:
    """Reports above ``after_id`` that have no row in another room's per-report table yet, whose
    report-id column is ``done`` (a text signature, a second look…), oldest first: how a job that
    follows intake catches up, in one indexed anti-join."""
    return session.scalars(
        select(Report)
        .outerjoin(done.class_, done == Report.id)
        .where(Report.id > after_id, done.is_(None))
        .order_by(Report.id)
        .limit(limit)
    ).all()


def reports_by_id(session: Session, *, ids: list[int]) -> Sequence[Report]:
    """These reports (unknown ids are left out)."""
    if not ids:
        return []
    return session.scalars(select(Report).where(one_of(session, Report.id, ids))).all()


def evidence_on_case(session: Session, *, case_id: int, evidence_id: int) -> Evidence | None:
    """The evidence item ``evidence_id`` if a report on case ``case_id`` carries it."""
    return session.scalar(
        select(Evidence)
        .join(Report, Report.id == Evidence.report_id)
        .where(Evidence.id == evidence_id, Report.case_id == case_id)
    )


def has_graphic_evidence(case_id: Any) -> Any:
    """A SQL condition: the case whose id is the column ``case_id`` has a report with graphic
    evidence. For queries that pick cases and must know this in the same statement."""
    return exists(
        select(1)
        .select_from(Report)
        .join(Evidence, Evidence.report_id == Report.id)
        .where(Report.case_id == case_id, Evidence.sensitivity == "graphic")
    )


def file_with_bytes(session: Session, *, evidence_id: int) -> tuple[Evidence, bytes]:
    """A file evidence item and its stored bytes; NotFound naming which is missing."""
    item = session.get(Evidence, evidence_id)
    if item is None or item.kind != "file":
        raise NotFound(f"no file evidence {evidence_id}")
    blob = session.get(EvidenceBlob, item.sha256)
    if blob is None:
        raise NotFound(f"the bytes of evidence {evidence_id} are not stored")
    return item, blob.content


def has_report_containing(
    case_id: Any, text: str, *, not_in_areas: list[str] | None = None
) -> ColumnElement[bool]:
    """A SQL condition: a report on the case whose id is the column ``case_id`` contains
    ``text`` (case-insensitive; % and _ are literal), outside ``not_in_areas`` if given."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = select(1).where(
        Report.case_id == case_id, Report.text.ilike(f"%{escaped}%", escape="\\")
    )
    if not_in_areas:
        matching = matching.where(Report.harm_area.not_in(not_in_areas))
    return exists(matching)


def impact_of(session: Session, *, case_ids: Select[int]) -> tuple[int, int, int]:
    """(reports, distinct subjects reported, distinct people who reported) on these cases."""
    reports, subjects, reporters = session.execute(
        select(
            func.count(Report.id),
            func.count(distinct(Report.subject_id)),
            func.count(distinct(Report.reporter_id)),
        ).where(Report.case_id.in_(case_ids))
    ).one()
    return int(reports), int(subjects), int(reporters)
