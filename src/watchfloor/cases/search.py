"""Finding cases: by key, by a subject's identifier, by words in a report, narrowed by harm
area, status and the day a case opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from watchfloor.cases import listing
from watchfloor.cases.models import OPEN_SQL, Case
from watchfloor.cases.schemas import parse_case_key
from watchfloor.intake import service as intake
from watchfloor.intake import subjects


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


def search(
    session: Session,
    query: Search,
    listing_query: listing.ListQuery | None = None,
    *,
    now: datetime,
    assignee_id: int | None = None,
) -> listing.Page:
    """One page of matching cases, narrowed and sorted as ``listing_query`` says (default:
    newest first, the first page)."""
    wanted = listing_query or listing.ListQuery(sort="newest", default_sort="newest")
    stmt = select(Case)
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
    if wanted.sla:
        stmt = stmt.where(text_sql(OPEN_SQL))  # a closed case's clocks have stopped
    stmt = listing.narrowed(stmt, wanted, now=now, assignee_id=assignee_id, deadline="running")
    return listing.page_of(
        session, listing.ordered(stmt, wanted.sort, deadline="running"), wanted.page
    )


def _about_subject(text: str) -> ColumnElement[bool]:
    """The case's subject is named ``text``, or holds it as an identifier (e-mail, phone, IP…)."""
    return subjects.named_or_holding(Case.subject_id, text)


def _in_reports(text: str, withheld: frozenset[str]) -> ColumnElement[bool]:
    """A report on the case contains ``text`` (case-insensitive; % and _ are literal), neither
    the report nor the case being in a ``withheld`` harm area."""
    if not withheld:
        return intake.has_report_containing(Case.id, text)
    areas = sorted(withheld)
    return and_(
        Case.harm_area.not_in(areas),
        intake.has_report_containing(Case.id, text, not_in_areas=areas),
    )
