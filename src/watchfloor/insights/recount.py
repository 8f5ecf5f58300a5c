"""Rebuilding the daily counts (insight_daily) of some UTC days from the per-case tables the
rollup keeps (insight_cases, insight_events, insight_qa)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, literal_column, select, tuple_
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from watchfloor.db import dialect_of
from watchfloor.insights.models import (
    ANY,
    InsightCase,
    InsightDaily,
    InsightDirtyDay,
    InsightEvent,
    InsightQa,
)

DIMS = ("harm_area", "source", "region", "language")
# Counted for every filter of at most two dimensions: each pair, each one alone, and none.
# A third dimension would multiply the rows by the values of two more (for the duration
# histograms, nearly one row per case), so three or four filters at once are counted from the
# per-case tables when asked (``counts_of``): narrower, and slower over a long range.
PAIRS = list(combinations(DIMS, 2))
# Each single dimension is summed from a pair holding it, and "none" from the first single.
LEVEL_SOURCES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    ((n,), next(p for p in PAIRS if n in p)) for n in DIMS
] + [((), (DIMS[0],))]


def rebuild_dirty(session: Session, *, limit: int) -> int:
    """Rebuild the daily counts of up to ``limit`` dirty days; how many were rebuilt."""
    days = list(
        session.scalars(
            select(InsightDirtyDay.day).order_by(InsightDirtyDay.day).limit(limit)
        ).all()
    )
    if days:
        rebuild(session, days)
        session.execute(delete(InsightDirtyDay).where(InsightDirtyDay.day.in_(days)))
    return len(days)


def _text(value: str) -> Any:
    return literal_column(f"'{value}'", String)


def counts_of(
    session: Session, *, values: Mapping[str, str], first: date, last: date
) -> list[tuple[str, date | str, str, int]]:
    """(measure, day, key, n) of the days [first, last] for the cases whose dimensions have
    these ``values``, counted from the per-case tables (for filters the daily counts lack)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    found: list[tuple[str, date | str, str, int]] = []
    for query in _counts([tuple(values)], days, where=values):
        for day, measure, *_, key, n in session.execute(query):
            found.append((measure, day, key, int(n)))
    return found


def _counts(
    levels: Sequence[Sequence[str]], days: list[date], *, where: Mapping[str, str] | None = None
) -> list[Any]:
    """SELECTs of (day, measure, four dimensions, key, count) from the per-case tables for
    ``days``, grouped by the dimensions of each level ("*" for the others). More than one level
    takes GROUPING SETS (PostgreSQL): one pass over the rows for all of them. ``where`` keeps
    only the cases with these dimension values."""
    c, e, q = InsightCase, InsightEvent, InsightQa

    def only(table: Any) -> list[Any]:
        return [getattr(table, n) == v for n, v in (where or {}).items()]

    met = {True: _text("met"), False: _text("missed")}
    one = len(levels) == 1

    def grouped(table: Any, fixed: list[Any]) -> tuple[list[Any], list[Any]]:
        """The dimension columns to select, and the GROUP BY."""
        if one:
            dims = [getattr(table, n) if n in levels[0] else _text(ANY) for n in DIMS]
            return dims, [*fixed, *(getattr(table, n) for n in DIMS if n in levels[0])]
        # A dimension a set leaves out comes back NULL (the columns themselves never are).
        dims = [func.coalesce(getattr(table, n), _text(ANY)) for n in DIMS]
        sets = [tuple_(*fixed, *(getattr(table, n) for n in level)) for level in levels]
        return dims, [func.grouping_sets(*sets)]

    per_case: list[tuple[str, Any, Any | None]] = [
        ("opened", c.created_day, None),
        ("first_action", c.first_action_day, cast(c.first_action_bucket, String)),
        ("resolution", c.resolved_day, cast(c.resolution_bucket, String)),
        ("sla_first", c.first_action_sla_day, when((c.first_action_met.is_(True), met[True]), else_=met[False])),
        ("sla_resolve", c.resolve_sla_day, when((c.resolve_met.is_(True), met[True]), else_=met[False])),
    ]  # fmt: skip
    found = []
    for measure, day, key in per_case:
        # PostgreSQL refuses a constant in GROUP BY: opened's key is one.
        dims, group = grouped(c, [day] if key is None else [day, key])
        found.append(
            select(day, _text(measure), *dims, _text("") if key is None else key, func.count())
            .where(day.in_(days), *only(c))
            .group_by(*group)
        )
    dims, group = grouped(e, [e.day, e.measure, e.key])
    found.append(
        select(e.day, e.measure, *dims, e.key, func.count())
        .where(e.day.in_(days), *only(e))
        .group_by(*group)
    )
    agrees = when((q.agrees.is_(True), _text("agree")), else_=_text("disagree"))
    dims, group = grouped(c, [q.day, agrees])
    found.append(
        select(q.day, _text("qa"), *dims, agrees, func.count())
        .join(c, c.case_id == q.case_id)
        .where(q.day.in_(days), *only(c))
        .group_by(*group)
    )
    return found


def rebuild(session: Session, days: list[date]) -> None:
    """Recount these days in insight_daily from insight_cases, _events and _qa: every pair of
    dimensions from those rows, then each dimension alone and none ("*") from the pairs."""
    session.execute(delete(InsightDaily).where(InsightDaily.day.in_(days)))
    target = ["day", "measure", *DIMS, "key", "n"]
    if dialect_of(session) == "postgresql":
        queries = _counts(PAIRS, days)
    else:
        queries = [q for pair in PAIRS for q in _counts([pair], days)]
    for query in queries:
        session.execute(insert(InsightDaily).from_select(target, query))
    d = InsightDaily
    for kept, source in LEVEL_SOURCES:
        level = [getattr(d, n) != ANY if n in source else getattr(d, n) == ANY for n in DIMS]
        session.execute(
            insert(InsightDaily).from_select(
                target,
                select(
                    d.day,
                    d.measure,
                    *(getattr(d, n) if n in kept else _text(ANY) for n in DIMS),
                    d.key,
                    func.sum(d.n),
                )
                .where(d.day.in_(days), *level)
                .group_by(d.day, d.measure, *(getattr(d, n) for n in DIMS if n in kept), d.key),
            )
        )
