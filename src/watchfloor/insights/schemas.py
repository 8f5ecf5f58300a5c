"""What the insights API gives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from watchfloor.insights.automation import Opportunity
from watchfloor.insights.clusters import Cluster
from watchfloor.insights.spikes import Spike
from watchfloor.quality.schemas import EstimateOut


class OpportunityOut(BaseModel):
    suggested_policy: str = Field(description="What triage suggested.")
    decisions: int
    outcome: str = Field(description="The most common decision: policy, verdict and actions.")
    same: EstimateOut = Field(description="That outcome's share, with its 95% interval.")
    median_handling_minutes: float | None
    hours_saved: float = Field(description="Analyst hours a rule would have saved in the period.")
    error_risk: float = Field(description="1 - the share's lower bound: the worst error rate.")
    wrong_would_be: int = Field(description="Decisions a rule would have got wrong.")

    @classmethod
    def of(cls, o: Opportunity) -> OpportunityOut:
        return cls(
            suggested_policy=o.suggested_policy,
            decisions=o.decisions,
            outcome=o.outcome,
            same=EstimateOut.of(o.same, "share", percent=True),
            median_handling_minutes=o.median_handling_minutes,
            hours_saved=round(o.hours_saved, 2),
            error_risk=round(o.error_risk, 4),
            wrong_would_be=o.wrong_would_be,
        )


class SpikeOut(BaseModel):
    key: str = Field(description='A harm area ("fraud_scams") or a source ("source in_app").')
    check: str = Field(description='"hour", "3 hours" or "day": the span counted.')
    start: datetime
    end: datetime
    observed: int
    expected: float = Field(description="The median of the same hours in earlier weeks.")
    low: float = Field(description="The lowest count that raises no flag.")
    high: float = Field(description="The highest count that raises no flag.")
    direction: str
    reason: str

    @classmethod
    def of(cls, spike: Spike) -> SpikeOut:
        return cls(
            key=spike.key,
            check=spike.check,
            start=spike.start,
            end=spike.end,
            observed=spike.observed,
            expected=spike.expected,
            low=spike.low,
            high=spike.high,
            direction=spike.direction,
            reason=spike.reason,
        )


class SharedSubjectOut(BaseModel):
    identifier: str = Field(description='"kind:value" of a subject or an identifier it holds.')
    reports: int = Field(description="The cluster's reports about it.")


class ClusterOut(BaseModel):
    id: int = Field(description="Its earliest report's id: the same while it grows.")
    size: int = Field(description="Reports in the window.")
    recent: int = Field(description="Of which in its recent part (6 h).")
    growth: float = Field(description="The recent rate over the earlier one.")
    first_seen: datetime
    last_seen: datetime
    top_terms: list[str] = Field(description="Words that set it apart; empty when withheld.")
    terms_withheld: bool = Field(
        description="Its harm area's report text is withheld from your role, and so its words."
    )
    example_cases: list[str] = Field(description="Up to 5 case keys, the most reported first.")
    subjects: list[SharedSubjectOut]
    harm_areas: dict[str, int]
    reason: str

    @classmethod
    def of(cls, cluster: Cluster, *, withheld: frozenset[str]) -> ClusterOut:
        """``withheld``: the harm areas whose report text the reader may not see (see
        cases.exposure.withheld_areas); a cluster in one of them shows no words."""
        hide = any(area in withheld for area, _ in cluster.harm_areas)
        reason = cluster.reason
        if hide:
            reason = "; ".join(p for p in reason.split("; ") if not p.startswith("about: "))
        return cls(
            id=cluster.id,
            size=cluster.size,
            recent=cluster.recent,
            growth=cluster.growth,
            first_seen=cluster.first_seen,
            last_seen=cluster.last_seen,
            top_terms=[] if hide else list(cluster.top_terms),
            terms_withheld=hide,
            example_cases=list(cluster.example_cases),
            subjects=[SharedSubjectOut(identifier=s, reports=n) for s, n in cluster.subjects],
            harm_areas=dict(cluster.harm_areas),
            reason=reason,
        )
