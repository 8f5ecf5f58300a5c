"""Insights routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.compliance.retention import redact as pii
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, TimeWindow, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.insights import export, service
from watchfloor.insights.measures import MetricFilter
from watchfloor.insights.metrics import PERCENTILE_ERROR
from watchfloor.insights.schemas import ClusterOut, MetricsOut, OpportunityOut, SpikeOut

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])
Reader = Annotated[User, Depends(require(Permission.INSIGHTS_READ))]
MAX_REACH = timedelta(days=5 * 366)
# Read as text: pydantic would take a bare number for a Unix time, which the document refuses.
At = Annotated[
    str | None,
    Query(
        max_length=64,
        description="An instant with a UTC offset; default: now.",
        json_schema_extra={"format": "date-time"},
    ),
]


def instant(at: str | None, now: datetime) -> datetime:
    """``at`` or now; 422 naming the field when it is no instant or has no offset (its hour
    would be a guess)."""
    if at is None:
        return now
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Invalid(
            "at needs an instant with a UTC offset, e.g. 2026-12-01T09:00:00Z",
            fields=[{"loc": ["query", "at"], "msg": "needs an instant with a UTC offset"}],
        )
    # Weeks of history are read before it: a far-off instant would only overflow the calendar.
    if abs(when - now) > MAX_REACH:
        raise Invalid(
            f"at must be within {MAX_REACH.days} days of now",
            fields=[
                {"loc": ["query", "at"], "msg": f"must be within {MAX_REACH.days} days of now"}
            ],
        )
    return when


@router.get("/spikes", response_model=list[SpikeOut], responses=responses(401, 403, 422))
def spikes(db: DbSession, clock: ClockDep, user: Reader, at: At = None) -> list[SpikeOut]:
    """Harm areas and sources whose volume left their weekly band in the last full hour before
    ``at`` (and the 3 h and 24 h ending with it): observed, expected, the band and why."""
    return [SpikeOut.of(s) for s in service.spikes(db, at=instant(at, clock.now()))]


@router.get("/clusters", response_model=list[ClusterOut], responses=responses(401, 403, 422))
def clusters(
    db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Reader, at: At = None
) -> list[ClusterOut]:
    """Emerging clusters of similar reports in the 48 h before ``at``, fastest first: size,
    growth, words, example cases and shared subjects; never report text."""
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=user.role)
    found = service.clusters(db, at=instant(at, clock.now()))
    return [ClusterOut.of(c, withheld=withheld) for c in found]


@router.get("/automation", response_model=list[OpportunityOut], responses=responses(401, 403, 422))
def automation_opportunities(
    db: DbSession,
    user: Reader,
    period: TimeWindow,
    min_decisions: Annotated[int, Query(ge=1, le=1_000_000)] = 50,
    min_share: Annotated[float, Query(ge=0.5, le=1.0)] = 0.95,
) -> list[OpportunityOut]:
    """Policies where triage's suggestion is followed by nearly the same decision every time:
    what a rule or auto-action would save (analyst hours) and risk (its worst error rate)."""
    since, until = period
    found = service.opportunities(
        db, since=since, until=until, min_decisions=min_decisions, min_share=min_share
    )
    return [OpportunityOut.of(o) for o in found]


def _filter_query(description: str) -> Any:
    return Query(max_length=64, description=description)


@router.get("/metrics", response_model=MetricsOut, responses=responses(401, 403, 422))
def metrics(
    db: DbSession,
    runtime: RuntimeDep,
    user: Reader,
    period: TimeWindow,
    harm_area: Annotated[str | None, _filter_query("A harm area id.")] = None,
    source: Annotated[str | None, _filter_query("The source of a case's first report.")] = None,
    region: Annotated[str | None, _filter_query('A region, e.g. "EU"; "-": none given.')] = None,
    language: Annotated[str | None, _filter_query('A language, e.g. "en".')] = None,
) -> MetricsOut:
    """Volume by harm area, source, region and language; time to first action and to
    resolution (p50/p90/p99); SLA attainment; backlog and its age; decision and action mix;
    reopen, overturned-after-reopen and QA accuracy rates. Counted by whole UTC days from the
    summary tables the worker keeps: ``fresh_as_of`` says up to when."""
    since, until = period
    chosen = MetricFilter(harm_area=harm_area, source=source, region=region, language=language)
    found = service.metrics(
        db,
        start=since,
        end=until,
        filter=chosen,
        harm_areas=runtime.config.taxonomy.area_ids,
    )
    return MetricsOut.of(found, percentile_error=PERCENTILE_ERROR)


@router.get(
    "/export",
    responses={
        **responses(401, 403, 422),
        200: {
            "content": {t: {} for t in export.MEDIA_TYPES.values()},
            "description": "One row per figure: table, day, group, measure, value.",
        },
    },
)
def export_data(
    db: DbSession,
    user: Reader,
    period: TimeWindow,
    format: Literal["csv", "parquet"] = "csv",
) -> Response:
    """The numbers behind the metrics of [from, to) (whole UTC days) as one tidy table, CSV or
    Parquet: per-day counts, volume by harm area, source, region and language, the decision
    and action mix, durations, SLA, backlog and rates (see insights.export for the columns)."""
    since, until = period
    found = service.metrics(db, start=since, end=until, filter=MetricFilter())
    found = pii.unless_allowed(found, role=user.role)  # a file travels: no PII without pii:read
    name = f"watchfloor-data-{since:%Y%m%d}-{until:%Y%m%d}.{format}"
    return Response(
        export.encode(found, format),
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
