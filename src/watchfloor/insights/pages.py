"""Console route for insights: spikes, emerging clusters and automation opportunities on one page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.insights import service
from watchfloor.insights.schemas import ClusterOut, OpportunityOut, SpikeOut
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.INSIGHTS_READ)]
# Automation opportunities over the same four weeks the API uses by default.
AUTOMATION_PERIOD = timedelta(days=28)


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
