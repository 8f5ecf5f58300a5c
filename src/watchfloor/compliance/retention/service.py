"""The daily retention job: delete or redact what is past its period (config/retention.yaml),
through the services of the rooms that own the data, in batches of one transaction each.

Data of a case is touched only once the case is resolved or closed and its period has passed
since then, and never while a legal hold is in force on it (read again for every batch, so a
hold placed during a run still counts). A run is logged with counts per data type, never the
content, plus one audit event."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.auth import login_sessions
from watchfloor.cases import holds
from watchfloor.cases import retention as cases_retention
from watchfloor.clock import Clock
from watchfloor.compliance.retention import rules
from watchfloor.compliance.retention.models import RetentionRun
from watchfloor.compliance.retention.rules import CASE_BOUND, RetentionConfig
from watchfloor.compliance.statements import retention as statements_retention
from watchfloor.db import session_scope
from watchfloor.intake import retention as intake_retention
from watchfloor.notify import retention as notify_retention

ACTOR = "system:retention"


def run(sessions: sessionmaker[Session], clock: Clock, config: RetentionConfig) -> int:
    """Run once if a day has passed since the last run; how many rows changed (0: idle)."""
    now = clock.now()
    cuts = rules.cutoffs(config, now=now)
    run_id = _begin(sessions, now=now, cuts=cuts)
    if run_id is None:
        return 0
    counts: dict[str, int] = {}
    held_seen: set[int] = set()
    for name, cut in cuts.items():
        if name in CASE_BOUND:
            counts[name] = _case_data(sessions, config, name=name, cut=cut, held_seen=held_seen)
        else:
            counts[name] = _other_data(sessions, name=name, cut=cut, limit=config.batch_size)
    with session_scope(sessions) as session:
        row = session.get(RetentionRun, run_id)
        assert row is not None  # written by _begin, never deleted
        row.counts = counts
        row.finished_at = clock.now()
        row.held_cases = len(held_seen)
        audit.record(
            session,
            at=row.finished_at,
            actor=ACTOR,
            action="retention.ran",
            object_type="retention_run",
            object_id=str(run_id),
            after={
                "counts": counts,
                "cutoffs": row.cutoffs,
                "held_cases": len(held_seen),
            },
        )
    return sum(counts.values())


def _begin(
    sessions: sessionmaker[Session], *, now: datetime, cuts: dict[str, datetime]
) -> int | None:
    """The new run's id, or None when a day has not passed or another worker took the day."""
    try:
        with session_scope(sessions) as session:
            last = session.scalar(select(func.max(RetentionRun.started_at)))
            if not rules.due(last, now=now):
                return None
            # The cutoffs are written before acting on them, so a run that stops half-way still
            # says what it was doing.
            row = RetentionRun(
                day=now.date().isoformat(),
                started_at=now,
                counts={},
                cutoffs={name: cut.isoformat() for name, cut in cuts.items()},
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:  # the same day's row, written by another worker a moment ago
        return None


def _case_data(
    sessions: sessionmaker[Session],
    config: RetentionConfig,
    *,
    name: str,
    cut: datetime,
    held_seen: set[int],
) -> int:
    """Apply ``name``'s action to every closed case past ``cut``, one batch per transaction."""
    total, after = 0, 0
    while True:
        with session_scope(sessions) as session:
            held = holds.held_case_ids(session)
            held_seen |= held
            ids, last = cases_retention.closed_before(
                session, cutoff=cut, held=held, after_id=after, limit=config.batch_size
            )
            if ids:
                total += _apply(session, name=name, case_ids=ids, cut=cut, held=held, config=config)
        if last is None:
            return total
        after = last


def _apply(
    session: Session,
    *,
    name: str,
    case_ids: Sequence[int],
    cut: datetime,
    held: Collection[int],
    config: RetentionConfig,
) -> int:
    placeholder = config.placeholder
    if name == "report_text":
        return intake_retention.redact_texts(
            session, case_ids=case_ids, placeholder=placeholder
        ) + cases_retention.redact_summaries(session, case_ids=case_ids, placeholder=placeholder)
    if name == "evidence_files":
        # Bytes are stored once per hash: keep them while any case holding them still may not
        # lose them (open, recent, held).
        hashes = intake_retention.file_hashes(session, case_ids=case_ids)
        holders = set().union(*hashes.values()) if hashes else set()
        done = cases_retention.eligible(session, case_ids=holders, cutoff=cut, held=held)
        free = [sha for sha, cases in hashes.items() if cases <= done]
        return intake_retention.delete_file_bytes(session, hashes=free)
    if name == "subject_identifiers":
        subjects = cases_retention.subjects_of(session, case_ids=case_ids)
        free_subjects = cases_retention.subjects_done_before(
            session, subject_ids=subjects, cutoff=cut, held=held
        )
        return intake_retention.redact_subjects(session, subject_ids=free_subjects)
    if name == "reporter_identifiers":
        return intake_retention.redact_reporters(session, case_ids=case_ids)
    if name == "decision_rationales":
        return cases_retention.redact_rationales(
            session, case_ids=case_ids, placeholder=placeholder
        )
    if name == "case_notes":
        return cases_retention.redact_notes(session, case_ids=case_ids, placeholder=placeholder)
    if name == "statements_of_reasons":
        return statements_retention.redact(session, case_ids=case_ids, placeholder=placeholder)
    raise ValueError(f"no retention action for data type {name!r}")  # rules.CASE_BOUND drifted


def _other_data(sessions: sessionmaker[Session], *, name: str, cut: datetime, limit: int) -> int:
    """Delete rows of ``name`` not used since ``cut``, ``limit`` per transaction."""
    total = 0
    while True:
        with session_scope(sessions) as session:
            if name == "outbox_deliveries":
                done = notify_retention.purge_deliveries(session, cutoff=cut, limit=limit)
            elif name == "outbox_emails":
                done = notify_retention.purge_emails(session, cutoff=cut, limit=limit)
            elif name == "sessions":
                done, limit = login_sessions.purge_unused_since(session, cutoff=cut), 0
            else:
                raise ValueError(f"no retention action for data type {name!r}")
        total += done
        if done < limit or limit == 0:
            return total


def recent_runs(session: Session, *, limit: int = 60) -> list[RetentionRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit)))


def record_export(session: Session, clock: Clock, *, actor: str, what: str, with_pii: bool) -> None:
    """Audit who exported what, and whether personal data was left in."""
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="export.with_pii" if with_pii else "export.redacted",
        object_type="export",
        object_id=what[:64],
        after={"with_pii": with_pii},
    )
