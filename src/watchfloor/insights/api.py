"""Insights routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import decided
from watchfloor.deps import DbSession, TimeWindow, require
from watchfloor.http_errors import responses
from watchfloor.insights import automation
from watchfloor.insights.schemas import OpportunityOut
from watchfloor.quality.schemas import EstimateOut

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])
Reader = Annotated[User, Depends(require(Permission.INSIGHTS_READ))]


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
    found = automation.opportunities(
        decided.outcomes_between(db, start=since, end=until),
        min_decisions=min_decisions,
        min_share=min_share,
    )
    return [
        OpportunityOut(
            suggested_policy=o.suggested_policy,
            decisions=o.decisions,
            outcome=o.outcome,
            same=EstimateOut.of(o.same, "share", percent=True),
            median_handling_minutes=o.median_handling_minutes,
            hours_saved=round(o.hours_saved, 2),
            error_risk=round(o.error_risk, 4),
            wrong_would_be=o.wrong_would_be,
        )
        for o in found
    ]
