"""Counts of the team's decisions and the actions they ordered over a period, aggregated in the
database (GROUP BY), for reports that cover a million decisions (the DSA transparency report).

Golden copies (quality's unannounced test cases) are exercises, never counted. Where a case came
from belongs to intake: the caller passes intake's first-report subquery (columns case_id,
source, reporter_kind, received_at), so the two rooms' tables meet in one SQL statement while
each room still writes only its own part of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from watchfloor.cases.models import Action, Case, Decision

WORK_MEM = "256MB"


@dataclass(frozen=True)
class DecisionGroup:
    """How many decisions share these facts."""

    source: str | None
    reporter_kind: str | None
    harm_area: str
    policy_id: str
    violation: bool
    decisions: int


@dataclass(frozen=True)
class ActionGroup:
    """How many actions of ``kind`` decisions with these facts ordered."""

    kind: str
    source: str | None
    reporter_kind: str | None
    harm_area: str
    policy_id: str
    violation: bool
    actions: int


def _in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(
        Decision.created_at >= start, Decision.created_at < end, Case.golden_of_id.is_(None)
    )


@dataclass(frozen=True)
class Tally:
    """What ``tally`` counted: decision groups, action groups, and label -> median hours."""

    decisions: list[DecisionGroup]
    actions: list[ActionGroup]
    medians: dict[str, float]


Labeller = Callable[[Any, Any], ColumnElement[Any]]


def tally(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    origins: Subquery,
    label: Labeller,
    all_label: str,
) -> Tally:
    """Decisions taken in [start, end) and their actions, grouped as ``decision_groups`` and
    ``action_groups`` count them, and the exact median of hours from a case's first report to
    each decision on it, per ``label(source, reporter_kind)`` (SQL; NULL leaves a decision
    out) and over every labelled decision as ``all_label``.

    One statement: the joined decisions are built once (a CTE the database materialises) and
    every count reads them, instead of joining a million decisions, cases and first reports
    once per count."""
    if session.get_bind().dialect.name == "postgresql":
        # For this transaction only: with the default 4 MB, a million rows are joined in
        # batches and grouped by sorting on disk (16 s, 1M decisions); in memory it is a few
        # seconds. JIT compiling this one-off statement cost a second more than it saved.
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        session.execute(text("SET LOCAL jit = off"))
    o = origins.c
    decided = (
        select(
            Decision.id.label("decision_id"),
            o.source,
            o.reporter_kind,
            Case.harm_area,
            Decision.policy_id,
            Decision.violation,
            label(o.source, o.reporter_kind).label("label"),
            _seconds_between(session, Decision.created_at, o.received_at).label("seconds"),
        )
        .select_from(Decision)
        .join(Case, Case.id == Decision.case_id)
        .outerjoin(origins, o.case_id == Decision.case_id)
        .where(_in_period(start, end))
        .cte("decided")
    )
    d = decided.c
    facts = (d.source, d.reporter_kind, d.harm_area, d.policy_id, d.violation)
    none_text, none_hours = cast(null(), String), cast(null(), Float)
    parts = [
        select(literal_column("'d'"), none_text, *facts, func.count(), none_hours).group_by(*facts),
        select(literal_column("'a'"), Action.kind, *facts, func.count(), none_hours)
        .select_from(Action)
        .join(decided, d.decision_id == Action.decision_id)
        .group_by(Action.kind, *facts),
    ]
    timed = select(decided).where(d.label.is_not(None), d.seconds.is_not(None)).subquery()
    for group in (timed.c.label, literal_column(f"'{_quoted(all_label)}'")):
        values = select(group.label("g"), timed.c.seconds.label("v")).subquery()
        median = _median(session, values).subquery()
        blanks = (none_text, none_text, none_text, none_text, cast(null(), Boolean))
        parts.append(
            select(literal_column("'m'"), median.c.g, *blanks, literal_column("0"), median.c.v)
        )
    found = Tally([], [], {})
    for part, kind, source, reporter, area, policy, violation, n, hours in session.execute(
        union_all(*parts)
    ):
        if part == "d":
            found.decisions.append(
                DecisionGroup(source, reporter, area, policy, bool(violation), int(n))
            )
        elif part == "a":
            found.actions.append(
                ActionGroup(kind, source, reporter, area, policy, bool(violation), int(n))
            )
        elif hours is not None:
            found.medians[str(kind)] = max(float(hours), 0.0) / 3600
    return found


def _quoted(text: str) -> str:
    if not text.replace("_", "").isalnum():
        raise ValueError(f"a label is letters, digits and '_': {text!r}")
    return text


def _seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    # SQLite keeps instants as text; julianday reads the microseconds too.
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _median(session: Session, values: Subquery) -> Select[Any]:
    """Exact medians of ``values.v`` per ``values.g`` (the mean of the middle two when even)."""
    g, v = values.c.g, values.c.v
    if session.get_bind().dialect.name == "postgresql":
        return select(g, func.percentile_cont(0.5).within_group(v).label("v")).group_by(g)
    # SQLite has no percentile: rank each value in its group and keep the middle one or two.
    ranked = select(
        g,
        v,
        func.row_number().over(partition_by=g, order_by=v).label("rn"),
        func.count().over(partition_by=g).label("n"),
    ).subquery()
    r = ranked.c
    middle = or_(r.rn == (r.n + 1) // 2, r.rn == (r.n + 2) // 2)
    return select(r.g, func.avg(r.v).label("v")).where(middle).group_by(r.g)
