"""Lists of cases that page, filter and sort: what the queue and search pages share.

A list's whole state is its query string (filters, sort, page), so a link or a saved view brings
the same list back. Parsing it is pure (``parse``); applying it to a query is ``narrowed`` and
``ordered``; ``page_of`` reads one page and a count that stops at ``COUNT_CAP``, so a page costs
the same with a thousand matches or a million.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy import Select, and_, func, select
from sqlalchemy import case as when_then
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from watchfloor.auth import service as auth
from watchfloor.cases.models import Case
from watchfloor.triage.taxonomy import Priority, Taxonomy

PAGE_SIZE = 50
MAX_PAGE = 200  # offsets stay bounded: nobody pages 10,000 cases deep; they narrow the list
COUNT_CAP = 1000  # "1-50 of 1,000+" beyond this: counting further would cost a scan
SORTS = {
    "urgency": "Urgency (the order Next case serves)",
    "due": "Due soonest",
    "oldest": "Oldest first",
    "newest": "Newest first",
}
SLA_STATES = {"breached": "Breached", "at_risk": "At risk (past its warning time)"}
UNASSIGNED = "none"
LIST_FIELDS = ("priority", "harm_area", "status", "language", "assignee", "sla", "sort", "page")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Which SLA clock a list's deadlines mean: the first action's (waiting work), the resolution's
# (work being done), or whichever is still running (a mix).
Deadline = Literal["first_action", "resolution", "running"]


@dataclass
class ListQuery:
    """A list's filters, order and page, as validated from its query string."""

    priority: int | None = None
    harm_area: str | None = None
    status: str | None = None
    language: str | None = None
    assignee: str | None = None  # a username, or UNASSIGNED
    sla: str | None = None  # a key of SLA_STATES
    sort: str = "urgency"
    page: int = 1
    extra: dict[str, str] = field(default_factory=dict)  # the page's own fields (q, show...)
    default_sort: str = "urgency"  # left out of links while it is the sort

    @property
    def narrowed(self) -> bool:
        return any(
            (self.priority is not None, self.harm_area, self.status, self.language, self.assignee)
        ) or bool(self.sla)

    def params(self, **changes: object) -> dict[str, str]:
        """The query string's fields (defaults left out), with ``changes`` applied."""
        values: dict[str, object] = {
            **self.extra,
            "priority": None if self.priority is None else Priority(self.priority).label,
            "harm_area": self.harm_area,
            "status": self.status,
            "language": self.language,
            "assignee": self.assignee,
            "sla": self.sla,
            "sort": None if self.sort == self.default_sort else self.sort,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def url(self, path: str, **changes: object) -> str:
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path


def parse(
    params: Mapping[str, str],
    *,
    harm_areas: set[str],
    statuses: Sequence[str],
    default_sort: str = "urgency",
    extra: Sequence[str] = (),
) -> tuple[ListQuery, list[str]]:
    """A ListQuery from a query string, and a message naming each bad field (none when valid).
    Fields named in ``extra`` are the page's own and are kept as given."""
    problems: list[str] = []
    query = ListQuery(
        sort=default_sort,
        default_sort=default_sort,
        extra={k: params[k] for k in extra if params.get(k)},
    )
    priority = params.get("priority", "")
    if priority:
        labels = [p.label for p in Priority]
        if priority in labels:
            query.priority = labels.index(priority)
        else:
            problems.append(f"priority: {priority!r} is not one of {', '.join(labels)}")
    area = _one_of(params, "harm_area", harm_areas, "unknown harm area {!r}", problems)
    query.harm_area = area or query.harm_area
    status = _one_of(
        params, "status", statuses, f"unknown status {{!r}}; one of {', '.join(statuses)}", problems
    )
    query.status = status or query.status
    language = params.get("language", "").strip()
    if language:
        if len(language) <= 35 and _LANGUAGE.match(language):
            query.language = language.lower()
        else:
            problems.append(f"language: {language!r} is not a language tag such as en or pt-BR")
    assignee = params.get("assignee", "").strip()
    if assignee:
        if len(assignee) <= 64:
            query.assignee = assignee
        else:
            problems.append("assignee: a username is at most 64 characters")
    sla = _one_of(
        params, "sla", SLA_STATES, f"{{!r}} is not one of {', '.join(SLA_STATES)}", problems
    )
    query.sla = sla or query.sla
    sort = _one_of(params, "sort", SORTS, f"{{!r}} is not one of {', '.join(SORTS)}", problems)
    query.sort = sort or query.sort
    page = params.get("page", "")
    if page:
        if page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            query.page = int(page)
        else:
            problems.append(f"page: {page!r} is not a page number from 1 to {MAX_PAGE}")
    return query, problems


def deadline_of(deadline: Deadline) -> tuple[ColumnElement[datetime], ColumnElement[datetime]]:
    """The due and warning times the list's deadlines are read from."""
    if deadline == "first_action":
        return Case.first_action_due_at, Case.first_action_warn_at  # type: ignore[return-value]
    if deadline == "resolution":
        return Case.resolve_due_at, Case.resolve_warn_at  # type: ignore[return-value]
    first = Case.first_action_at.is_(None)
    return (
        when_then((first, Case.first_action_due_at), else_=Case.resolve_due_at),
        when_then((first, Case.first_action_warn_at), else_=Case.resolve_warn_at),
    )


def narrowed(
    stmt: Select[Case],
    query: ListQuery,
    *,
    now: datetime,
    assignee_id: int | None,
    deadline: Deadline,
) -> Select[Case]:
    """``stmt`` keeping only the cases ``query``'s filters let through. ``assignee_id`` is the
    id of ``query.assignee`` (None: unassigned, or nobody of that name: no case)."""
    if query.priority is not None:
        stmt = stmt.where(Case.priority == query.priority)
    if query.harm_area:
        stmt = stmt.where(Case.harm_area == query.harm_area)
    if query.status:
        stmt = stmt.where(Case.status == query.status)
    if query.language:
        stmt = stmt.where(func.lower(Case.language) == query.language)
    if query.assignee == UNASSIGNED:
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif query.assignee:
        stmt = stmt.where(Case.assignee_id == (assignee_id if assignee_id is not None else -1))
    if query.sla:
        due, warn = deadline_of(deadline)
        running = and_(Case.sla_paused_at.is_(None), Case.resolved_at.is_(None))
        if query.sla == "breached":
            stmt = stmt.where(running, due <= now)
        else:
            stmt = stmt.where(running, warn <= now, due > now)
    return stmt


def ordered(stmt: Select[Case], sort: str, *, deadline: Deadline) -> Select[Case]:
    """``stmt`` in the list's order; the case id breaks ties so pages never overlap."""
    due, _ = deadline_of(deadline)
    if sort == "urgency":
        return stmt.order_by(Case.priority, due, Case.id)
    if sort == "due":
        return stmt.order_by(due, Case.id)
    if sort == "oldest":
        return stmt.order_by(Case.created_at, Case.id)
    return stmt.order_by(Case.created_at.desc(), Case.id.desc())


@dataclass
class Page:
    """One page of a list: its cases and where it sits ("51-100 of 420")."""

    cases: list[Case]
    number: int
    total: int  # at most COUNT_CAP + 1
    size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.cases else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.cases)

    @property
    def total_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.total > COUNT_CAP else f"{self.total:,}"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.last < self.total and self.number < MAX_PAGE


def page_of(session: Session, stmt: Select[Case], number: int) -> Page:
    """Page ``number`` of the ordered ``stmt``, and how many cases it holds (up to the cap)."""
    cases = session.scalars(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    counted = stmt.order_by(None).with_only_columns(Case.id).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    return Page(list(cases), number, total)


def assignee_id_of(session: Session, query: ListQuery) -> int | None:
    """The id of the person the list is narrowed to (None: unassigned, or nobody so named)."""
    if not query.assignee or query.assignee == UNASSIGNED:
        return None
    user = auth.get_by_username(session, username=query.assignee)
    return user.id if user else None


def choices(taxonomy: Taxonomy, statuses: Sequence[str]) -> dict[str, object]:
    """What a list page's filter form offers."""
    return {
        "priorities": [p.label for p in Priority],
        "areas": taxonomy.harm_areas,
        "statuses": statuses,
        "slas": SLA_STATES,
        "sorts": SORTS,
        "unassigned": UNASSIGNED,
    }


def _one_of(
    params: Mapping[str, str], name: str, allowed: Collection[str], says: str, problems: list[str]
) -> str | None:
    """``params[name]`` when it is one of ``allowed``; None when absent, and when not allowed
    (then ``problems`` gets ``name: says``, formatted with the value)."""
    value = params.get(name, "")
    if value and value not in allowed:
        problems.append(f"{name}: {says.format(value)}")
        return None
    return value or None
