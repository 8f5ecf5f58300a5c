"""What the retention job (compliance/retention) may touch of the cases room, and the redaction
of the cases room's own free text. Only resolved or closed cases count: an open case's data is
in use. The caller passes the cases under legal hold, which are never returned or touched."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from watchfloor.cases.lifecycle import Status
from watchfloor.cases.models import Case, CaseNote, Decision

_DONE = (Status.RESOLVED.value, Status.CLOSED.value)


def _changed(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def closed_before(
    session: Session, *, cutoff: datetime, held: Collection[int], after_id: int, limit: int
) -> tuple[list[int], int | None]:
    """One batch of cases resolved (or closed) before ``cutoff``, by id after ``after_id``:
    (their ids less those in ``held``, the last id read or None when there are no more)."""
    ids = list(
        session.scalars(
            select(Case.id)
            .where(Case.status.in_(_DONE), Case.resolved_at < cutoff, Case.id > after_id)
            .order_by(Case.id)
            .limit(limit)
        )
    )
    return [i for i in ids if i not in held], (ids[-1] if ids else None)


def subjects_of(session: Session, *, case_ids: Collection[int]) -> set[int]:
    """The subjects these cases are about."""
    return set(session.scalars(select(Case.subject_id).where(Case.id.in_(list(case_ids)))))


def subjects_done_before(
    session: Session, *, subject_ids: Collection[int], cutoff: datetime, held: Collection[int]
) -> set[int]:
    """Those of ``subject_ids`` every case of which was resolved before ``cutoff`` and is not
    held: a subject with an open, recent or held case keeps its identifiers."""
    rows = session.execute(
        select(Case.subject_id, Case.id, Case.status, Case.resolved_at).where(
            Case.subject_id.in_(list(subject_ids))
        )
    ).all()
    busy = {
        subject
        for subject, case_id, status, resolved_at in rows
        if status not in _DONE or resolved_at is None or resolved_at >= cutoff or case_id in held
    }
    return {subject for subject, *_ in rows} - busy


def eligible(
    session: Session, *, case_ids: Collection[int], cutoff: datetime, held: Collection[int]
) -> set[int]:
    """Those of ``case_ids`` resolved before ``cutoff`` and not held."""
    found = session.scalars(
        select(Case.id).where(
            Case.id.in_(list(case_ids)), Case.status.in_(_DONE), Case.resolved_at < cutoff
        )
    )
    return {i for i in found if i not in held}


def redact_summaries(session: Session, *, case_ids: Collection[int], placeholder: str) -> int:
    """A case's summary is the start of its first report: it goes with the report text."""
    return _changed(
        session.execute(
            update(Case)
            .where(Case.id.in_(list(case_ids)), Case.summary != placeholder[:300])
            .values(summary=placeholder[:300])
            .execution_options(synchronize_session=False)
        )
    )


def redact_rationales(session: Session, *, case_ids: Collection[int], placeholder: str) -> int:
    """Decisions keep their policy and verdict (counted by metrics and reports); the rationale
    text becomes ``placeholder``. How many decisions changed."""
    return _changed(
        session.execute(
            update(Decision)
            .where(Decision.case_id.in_(list(case_ids)), Decision.rationale != placeholder)
            .values(rationale=placeholder)
            .execution_options(synchronize_session=False)
        )
    )


def redact_notes(session: Session, *, case_ids: Collection[int], placeholder: str) -> int:
    """Notes stay on the timeline (who wrote one, when); their text becomes ``placeholder``."""
    return _changed(
        session.execute(
            update(CaseNote)
            .where(CaseNote.case_id.in_(list(case_ids)), CaseNote.body != placeholder)
            .values(body=placeholder)
            .execution_options(synchronize_session=False)
        )
    )
