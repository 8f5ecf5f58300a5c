"""Reading subjects and their identifiers (phones, payment fingerprints, devices…) as intake
stored them: what linking walks to find who is connected to whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from watchfloor.db import one_of, pairs_in
from watchfloor.intake.models import Subject, SubjectIdentifier

Key = tuple[str, str]  # an identifier: (kind, value)
Held = tuple[int, str, str]  # (subject id, kind, value)
SI = SubjectIdentifier


def identifiers_of(session: Session, *, subject_ids: list[int]) -> list[Held]:
    """Every identifier these subjects hold."""
    return [
        (sid, kind, value)
        for sid, kind, value in session.execute(
            select(SI.subject_id, SI.kind, SI.value).where(
                one_of(session, SI.subject_id, subject_ids)
            )
        )
    ]


def holders_of(session: Session, *, keys: list[Key]) -> list[Held]:
    """Every subject holding one of these identifiers."""
    return [
        (sid, kind, value)
        for sid, kind, value in session.execute(
            select(SI.subject_id, SI.kind, SI.value).where(
                pairs_in(session, SI.kind, SI.value, keys)
            )
        )
    ]


def held_by_more_than(
    session: Session, *, keys: list[Key], limit: int
) -> list[tuple[str, str, int]]:
    """(kind, value, holders) of each of these identifiers more than ``limit`` subjects hold."""
    return [
        (kind, value, n)
        for kind, value, n in session.execute(
            select(SI.kind, SI.value, func.count())
            .where(pairs_in(session, SI.kind, SI.value, keys))
            .group_by(SI.kind, SI.value)
            .having(func.count() > limit)
        )
    ]


def by_id(session: Session, *, ids: list[int]) -> dict[int, Subject]:
    """These subjects, by id."""
    return {
        s.id: s for s in session.scalars(select(Subject).where(one_of(session, Subject.id, ids)))
    }


def named_or_holding(subject_id: Any, text: str) -> ColumnElement[bool]:
    """A SQL condition: the subject whose id is the column ``subject_id`` is named ``text`` (its
    external id or display name) or holds it as an identifier (e-mail, phone, IP…)."""
    value = text.lower() if "@" in text else text
    return or_(
        exists(
            select(1).where(
                Subject.id == subject_id,
                or_(Subject.external_id == text, Subject.display_name == text),
            )
        ),
        exists(select(1).where(SI.subject_id == subject_id, SI.value.in_({text, value}))),
    )
