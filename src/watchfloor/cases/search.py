"""Finding cases: by key, by a subject's identifier, by words in a report, narrowed by harm
area, status and the day a case opened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from watchfloor.cases.models import Case
from watchfloor.cases.schemas import parse_case_key
from watchfloor.intake.models import Report, Subject, SubjectIdentifier

LIMIT = 100


@dataclass
class Search:
    text: str = ""  # a case key, a subject identifier or id, or words from a report
    harm_area: str | None = None
    status: str | None = None
    opened_from: datetime | None = None
    opened_until: datetime | None = None
    # Harm areas whose report text the searcher may not read (exposure.withheld_areas): words are
    # not looked for there, so a search cannot tell what such a report says.
    withheld: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (
            self.text.strip()
            or self.harm_area
            or self.status
            or self.opened_from
            or self.opened_until
        )


def search(session: Session, query: Search, *, limit: int = LIMIT) -> Sequence[Case]:
    """Matching cases, newest first (at most ``limit``)."""
    stmt = select(Case).order_by(Case.id.desc()).limit(limit)
    text = query.text.strip()
    if text:
        case_id = parse_case_key(text)
        if case_id is not None:
            stmt = stmt.where(Case.id == case_id)
        else:
            stmt = stmt.where(or_(_about_subject(text), _in_reports(text, query.withheld)))
    if query.harm_area:
        stmt = stmt.where(Case.harm_area == query.harm_area)
    if query.status:
        stmt = stmt.where(Case.status == query.status)
    if query.opened_from:
        stmt = stmt.where(Case.created_at >= query.opened_from)
    if query.opened_until:
        stmt = stmt.where(Case.created_at < query.opened_until)
    return session.scalars(stmt).all()


def _about_subject(text: str) -> ColumnElement[bool]:
    """The case's subject is named ``text``, or holds it as an identifier (e-mail, phone, IP…)."""
    value = text.lower() if "@" in text else text
    return or_(
        exists(
            select(1).where(
                Subject.id == Case.subject_id,
                or_(Subject.external_id == text, Subject.display_name == text),
            )
        ),
        exists(
            select(1).where(
                SubjectIdentifier.subject_id == Case.subject_id,
                SubjectIdentifier.value.in_({text, value}),
            )
        ),
    )


def _in_reports(text: str, withheld: frozenset[str]) -> ColumnElement[bool]:
    """A report on the case contains ``text`` (case-insensitive; % and _ are literal), neither
    the report nor the case being in a ``withheld`` harm area."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = select(1).where(
        Report.case_id == Case.id, Report.text.ilike(f"%{escaped}%", escape="\\")
    )
    if not withheld:
        return exists(matching)
    areas = sorted(withheld)
    return and_(
        Case.harm_area.not_in(areas), exists(matching.where(Report.harm_area.not_in(areas)))
    )
