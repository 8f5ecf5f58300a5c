"""The metrics of a range and a filter, read from the summary tables the rollup keeps.

The range is counted by whole UTC days: from 00:00 UTC of the day ``start`` falls in to 24:00
UTC of the day before ``end`` (or of ``end``'s day when it is not at midnight). Only what the
rollup had counted by ``fresh_as_of`` is in the figures. The backlog is read raw, at the
earlier of the range's end and ``fresh_as_of``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.errors import Invalid
from watchfloor.insights import histogram, recount
from watchfloor.insights.measures import (
    Attainment,
    Backlog,
    Day,
    MetricFilter,
    Metrics,
    Rate,
)
from watchfloor.insights.models import ANY, NONE, InsightCase, InsightDaily
from watchfloor.insights.rollup import DIMS, FAR, fresh_as_of
from watchfloor.quality.agreement import wilson_interval

PERCENTILE_ERROR = (
    f"within {histogram.RELATIVE_ERROR:.1%} of the true value "
    f"(within {histogram.ABSOLUTE_ERROR_UNDER_A_SECOND:g} s below 1 s)"
)
# The daily counts keep every filter of one or two dimensions; three or four are counted from
# the per-case rows (see recount.counts_of).
MAX_KEPT_FILTERS = 2
AGE_BANDS = (
    ("< 1 h", 3600.0),
    ("1-4 h", 4 * 3600.0),
    ("4-24 h", 24 * 3600.0),
    ("1-7 d", 7 * 86400.0),
    ("> 7 d", float("inf")),
)
MEASURES = (
    "opened",
    "first_action",
    "resolution",
    "sla_first",
    "sla_resolve",
    "decision",
    "violation",
    "action",
    "resolve",
    "reopen",
    "redecided",
    "overturned",
    "qa",
)


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The UTC days [start, end) touches, as [00:00 of the first, 00:00 after the last)."""
    first = start.astimezone(UTC).date()
    last_end = end.astimezone(UTC)
    last = last_end.date()
    if last_end.timetz().replace(tzinfo=None) != time(0):
        last += timedelta(days=1)
    last = max(last, first + timedelta(days=1))
    return _midnight(first), _midnight(last)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def read(session: Session, *, start: datetime, end: datetime, filter: MetricFilter) -> Metrics:
    """The metrics of the whole UTC days [start, end) for the cases ``filter`` keeps."""
    since, until = whole_days(start, end)
    first, last = since.date(), (until - timedelta(days=1)).date()
    fresh = fresh_as_of(session)
    d = InsightDaily
    values = {n: getattr(filter, n) or ANY for n in DIMS}
    fixed = {n: v for n, v in values.items() if v != ANY}
    rows: Sequence[tuple[str, date | str, str, int]]
    if len(fixed) > MAX_KEPT_FILTERS:
        rows = recount.counts_of(session, values=fixed, first=first, last=last)
    else:
        rows = session.execute(
            select(d.measure, d.day, d.key, d.n).where(
                d.measure.in_(MEASURES),
                *(getattr(d, n) == v for n, v in values.items()),
                d.day >= first,
                d.day <= last,
            )
        ).all()
    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_day: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for measure, day, key, n in rows:
        total[measure][key] += n
        if measure in {"opened", "resolve", "sla_first"}:
            per_day[(measure, key)][_as_date(day)] += n
    days = []
    at = first
    while at <= last:
        days.append(
            Day(
                day=at,
                opened=per_day[("opened", "")].get(at, 0),
                resolved=per_day[("resolve", "")].get(at, 0),
                first_action_met=per_day[("sla_first", "met")].get(at, 0),
                first_action_missed=per_day[("sla_first", "missed")].get(at, 0),
            )
        )
        at += timedelta(days=1)
    backlog_at = min(until, fresh) if fresh is not None else until
    return Metrics(
        start=since,
        end=until,
        filter=filter,
        fresh_as_of=fresh,
        opened=sum(total["opened"].values()),
        volume=(
            {n: {v: sum(total["opened"].values())} for n, v in fixed.items()}
            if len(fixed) > MAX_KEPT_FILTERS
            else _volume(session, values, first, last)
        ),
        first_action=histogram.durations(_buckets(total["first_action"])),
        resolution=histogram.durations(_buckets(total["resolution"])),
        sla_first_action=_attainment(total["sla_first"]),
        sla_resolution=_attainment(total["sla_resolve"]),
        backlog=_backlog(session, values, at=backlog_at),
        decisions=_sorted(total["decision"]),
        violations=_rate(total["violation"].get("yes", 0), sum(total["violation"].values())),
        actions=_sorted(total["action"]),
        reopened=_rate(total["reopen"].get("", 0), total["resolve"].get("", 0)),
        overturned=_rate(total["overturned"].get("", 0), total["redecided"].get("", 0)),
        qa_accuracy=_rate(total["qa"].get("agree", 0), sum(total["qa"].values())),
        days=days,
        requested_start=start,
        requested_end=end,
        backlog_at=backlog_at,
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _buckets(counts: dict[str, int]) -> dict[int, int]:
    return {int(k): n for k, n in counts.items()}


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _attainment(counts: dict[str, int]) -> Attainment:
    return Attainment(met=counts.get("met", 0), missed=counts.get("missed", 0))


def _rate(count: int, of: int) -> Rate:
    if of <= 0:
        return Rate(count=count, of=of, low=None, high=None)
    low, high = wilson_interval(min(count, of), of)
    return Rate(count=count, of=of, low=low, high=high)


def _volume(
    session: Session, values: dict[str, str], first: date, last: date
) -> dict[str, dict[str, int]]:
    """Cases opened in the range per value of each dimension, under the filters. With two
    filters, only the filtered dimensions (a third would need a level the tables do not keep)."""
    d = InsightDaily
    fixed = {n for n, v in values.items() if v != ANY}
    out: dict[str, dict[str, int]] = {}
    for by in DIMS:
        if by not in fixed and len(fixed) >= 2:
            continue
        column = getattr(d, by)
        where = [getattr(d, n) == v for n, v in values.items() if n != by]
        where.append(column != ANY if by not in fixed else column == values[by])
        counts = {
            key: int(n)
            for key, n in session.execute(
                select(column, func.sum(d.n))
                .where(d.measure == "opened", *where, d.day >= first, d.day <= last)
                .group_by(column)
            )
        }
        out[by] = _sorted(counts)
    return out


def _backlog(session: Session, values: dict[str, str], *, at: datetime) -> Backlog:
    """Cases opened before ``at`` and not resolved by then (their latest resolution: a case
    reopened and resolved again counts as open in between), with their ages."""
    c = InsightCase
    created = session.scalars(
        select(c.created_at).where(
            c.open_until > at,
            c.open_until <= FAR,
            c.created_at <= at,
            *(getattr(c, n) == v for n, v in values.items() if v != ANY),
        )
    ).all()
    ages = [max(0.0, (at - when).total_seconds()) for when in created]
    bands = {label: 0 for label, _ in AGE_BANDS}
    for age in ages:
        for label, upper in AGE_BANDS:
            if age < upper:
                bands[label] += 1
                break
    return Backlog(open=len(ages), age=histogram.exact_durations(ages), by_age=bands, at=at)


def check(filter: MetricFilter, *, harm_areas: Collection[str] | None) -> None:
    """422 naming the filter that cannot be counted: an unknown harm area, or a value that is
    empty, too long or the "*" the tables use for "any"."""
    limits = {"harm_area": 64, "source": 64, "region": 16, "language": 35}
    for name, limit in limits.items():
        value = getattr(filter, name)
        if value is None:
            continue
        problem = None
        if not value.strip() or value == ANY or len(value) > limit:
            problem = f"must be 1-{limit} characters other than {ANY!r} ({NONE!r}: none given)"
        elif name == "harm_area" and harm_areas is not None and value not in harm_areas:
            problem = (
                f"unknown harm area {value!r}; harm areas are: {', '.join(sorted(harm_areas))}"
            )
        if problem:
            raise Invalid(f"{name} {problem}", fields=[{"loc": ["query", name], "msg": problem}])
