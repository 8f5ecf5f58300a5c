"""Console route for insights: spikes, emerging clusters and automation opportunities on one page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.errors import Invalid
from watchfloor.insights import charts, service
from watchfloor.insights.measures import MetricFilter
from watchfloor.insights.metrics import PERCENTILE_ERROR
from watchfloor.insights.schemas import ClusterOut, OpportunityOut, SpikeOut
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.INSIGHTS_READ)]
# Automation opportunities over the same four weeks the API uses by default.
AUTOMATION_PERIOD = timedelta(days=28)
# The metrics page's range when none is asked for: the last 7 UTC days, today included.
DEFAULT_DAYS = 7


@router.get("/insights")
def insights_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    """What stands out now: volume spikes, fast-growing clusters of similar reports, and
    decisions a rule could make."""
    now = clock.now()
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.user.role)
    spikes = [SpikeOut.of(s) for s in service.spikes(db, at=now)]
    clusters = [ClusterOut.of(c, withheld=withheld) for c in service.clusters(db, at=now)]
    opportunities = [
        OpportunityOut.of(o)
        for o in service.opportunities(db, since=now - AUTOMATION_PERIOD, until=now)
    ]
    return render(
        request,
        "insights.html",
        visitor,
        spikes=spikes,
        clusters=clusters,
        opportunities=opportunities,
        period_days=AUTOMATION_PERIOD.days,
    )


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} must be a day, e.g. 2026-12-01") from None


def span(seconds: float | None) -> str:
    """A duration as people read it: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@router.get("/insights/metrics")
def metrics_page(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Reader,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    harm_area: Annotated[str | None, Query(max_length=64)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    region: Annotated[str | None, Query(max_length=16)] = None,
    language: Annotated[str | None, Query(max_length=35)] = None,
) -> HTMLResponse:
    """Metrics over whole UTC days (the last 7 to today by default) for a filter: volumes,
    times to first action and resolution, SLA, backlog, decisions, reopens and QA accuracy."""
    now = clock.now()
    chosen = MetricFilter(
        harm_area=harm_area or None,
        source=source or None,
        region=region or None,
        language=language or None,
    )
    today = now.astimezone(UTC).date()
    problem = None
    found = None
    try:
        last = _day(end, "to") or today
        first = _day(start, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise Invalid("from must be on or before to")
        if (last - first).days >= 366:
            raise Invalid("at most a year at a time")
        found = service.metrics(
            db,
            start=datetime.combine(first, time(0), tzinfo=UTC),
            end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
            filter=chosen,
            harm_areas=runtime.config.taxonomy.area_ids,
        )
    except Invalid as exc:
        problem = str(exc)
        first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
    return render(
        request,
        "insights_metrics.html",
        visitor,
        status=422 if problem else 200,
        m=found,
        problem=problem,
        first=first,
        last=last,
        chosen=chosen,
        harm_areas=runtime.config.taxonomy.area_ids,
        percentile_error=PERCENTILE_ERROR,
        span=span,
        utc=UTC,
        # Charts of these figures are drawn by insights.charts (its own work): a list of
        # (title, SVG markup) pairs, shown in the page's charts section when given.
        charts=[(c.title, c.svg) for c in charts.of_metrics(found)] if found else [],
    )
