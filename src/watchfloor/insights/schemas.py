"""What the insights API gives."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from watchfloor.insights.automation import Opportunity
from watchfloor.insights.clusters import Cluster
from watchfloor.insights.measures import Attainment, Durations, Metrics, Rate
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


class DurationsOut(BaseModel):
    count: int
    p50: float | None = Field(description="Seconds; None when nothing was counted.")
    p90: float | None
    p99: float | None

    @classmethod
    def of(cls, d: Durations) -> DurationsOut:
        return cls(count=d.count, p50=d.p50, p90=d.p90, p99=d.p99)


class AttainmentOut(BaseModel):
    met: int
    missed: int
    share: float | None = Field(description="met / (met + missed); None when no clock ended.")

    @classmethod
    def of(cls, a: Attainment) -> AttainmentOut:
        return cls(met=a.met, missed=a.missed, share=a.share)


class RateOut(BaseModel):
    count: int
    of: int
    share: float | None
    low: float | None = Field(description="Wilson 95% interval.")
    high: float | None

    @classmethod
    def from_rate(cls, r: Rate) -> RateOut:
        return cls(count=r.count, of=r.of, share=r.share, low=r.low, high=r.high)


class BacklogOut(BaseModel):
    at: datetime | None = Field(description="The instant counted at.")
    open: int
    age: DurationsOut = Field(description="Exact ages in seconds (read raw).")
    by_age: dict[str, int]


class DayOut(BaseModel):
    day: date
    opened: int
    resolved: int
    first_action_met: int
    first_action_missed: int


class MetricsOut(BaseModel):
    start: datetime = Field(description="00:00 UTC of the first whole day counted.")
    end: datetime = Field(description="00:00 UTC after the last whole day counted.")
    requested_start: datetime | None
    requested_end: datetime | None
    fresh_as_of: datetime | None = Field(
        description="The summary tables hold every change before this; None before the first "
        "rollup."
    )
    filter: dict[str, str | None]
    percentile_error: str = Field(description="How far a percentile read may be from the truth.")
    opened: int
    volume: dict[str, dict[str, int]] = Field(
        description="Cases opened per harm_area, source, region and language."
    )
    first_action: DurationsOut
    resolution: DurationsOut
    sla_first_action: AttainmentOut
    sla_resolution: AttainmentOut
    backlog: BacklogOut
    decisions: dict[str, int] = Field(description="Policy id: decisions in the range.")
    violations: RateOut = Field(description="Decisions finding a violation, of all decisions.")
    actions: dict[str, int]
    reopened: RateOut = Field(description="Reopens, of resolutions, in the range.")
    overturned: RateOut = Field(
        description="Overturned after reopen: decisions taken again after a reopen that changed "
        "the policy or the verdict, of decisions taken again after a reopen. Formal appeals "
        "are not counted yet."
    )
    qa_accuracy: RateOut = Field(
        description="QA reviews whose final verdict agreed with the analyst, of reviews."
    )
    days: list[DayOut]

    @classmethod
    def of(cls, m: Metrics, *, percentile_error: str) -> MetricsOut:
        b = m.backlog
        return cls(
            start=m.start,
            end=m.end,
            requested_start=m.requested_start,
            requested_end=m.requested_end,
            fresh_as_of=m.fresh_as_of,
            filter={
                "harm_area": m.filter.harm_area,
                "source": m.filter.source,
                "region": m.filter.region,
                "language": m.filter.language,
            },
            percentile_error=percentile_error,
            opened=m.opened,
            volume=m.volume,
            first_action=DurationsOut.of(m.first_action),
            resolution=DurationsOut.of(m.resolution),
            sla_first_action=AttainmentOut.of(m.sla_first_action),
            sla_resolution=AttainmentOut.of(m.sla_resolution),
            backlog=BacklogOut(at=b.at, open=b.open, age=DurationsOut.of(b.age), by_age=b.by_age),
            decisions=m.decisions,
            violations=RateOut.from_rate(m.violations),
            actions=m.actions,
            reopened=RateOut.from_rate(m.reopened),
            overturned=RateOut.from_rate(m.overturned),
            qa_accuracy=RateOut.from_rate(m.qa_accuracy),
            days=[
                DayOut(
                    day=d.day,
                    opened=d.opened,
                    resolved=d.resolved,
                    first_action_met=d.first_action_met,
                    first_action_missed=d.first_action_missed,
                )
                for d in m.days
            ],
        )
