"""Internal notes on a case: written by the team, audited, shown on the case's timeline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases.models import Case, CaseNote
from watchfloor.clock import Clock


def add_note(session: Session, clock: Clock, *, case: Case, author: User, body: str) -> CaseNote:
    """An internal note on ``case`` by ``author``, audited as ``case.note``."""
    note = CaseNote(case_id=case.id, author_id=author.id, body=body, created_at=clock.now())
    session.add(note)
    session.flush()
    audit.record(
        session,
        at=note.created_at,
        actor=f"user:{author.username}",
        action="case.note",
        object_type="case",
        object_id=case.key,
        after={"note_id": note.id, "body": body},
    )
    return note


def notes_of(session: Session, *, case_id: int) -> list[tuple[CaseNote, str]]:
    """The case's notes, oldest first, each with its author's username."""
    rows = session.execute(
        select(CaseNote, User.username)
        .join(User, User.id == CaseNote.author_id)
        .where(CaseNote.case_id == case_id)
        .order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    return [(note, username) for note, username in rows]
