"""What the quality API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from watchfloor.quality.agreement import Estimate

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
PolicyId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class VerdictOut(BaseModel):
    policy_id: str
    violation: bool


class SampleOut(BaseModel):
    """A sample as its reviewer sees it: the case, and the original decision only once their
    own review is in (``original`` is null until then)."""

    id: int
    key: str = Field(description="QA-<id>")
    case: str
    harm_area: str
    priority: str
    region: str | None
    reasons: list[str] = Field(description="Why it was sampled.")
    status: Literal["waiting", "in_review", "agreed", "to_adjudicate", "adjudicated"]
    reviewer: str | None
    decided_at: datetime
    reports: list[str] = Field(description="The reports' text, in the order they arrived.")
    original: VerdictOut | None = None
    analyst: str | None = Field(
        default=None, description="Hidden, like the decision, until reviewed."
    )
    review: VerdictOut | None = None
    final: VerdictOut | None = None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: PolicyId
    violation: bool
    rationale: Text
    note_to_analyst: str = Field(
        default="",
        max_length=10_000,
        description="Feedback for the analyst; on disagreement the rationale is sent if empty.",
    )


class AdjudicateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: PolicyId
    violation: bool
    note: Text


class FeedbackOut(BaseModel):
    id: int
    sample: str
    case: str
    reviewer: str
    note: str
    state: Literal["new", "acknowledged", "disputed", "upheld", "overturned"]
    response: str | None
    resolution: str | None
    created_at: datetime


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dispute: bool = False
    response: str = Field(default="", max_length=10_000)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["upheld", "overturned"]
    note: Text


class EstimateOut(BaseModel):
    value: float | None
    low: float | None
    high: float | None
    n: int
    small: bool = Field(description="Below the small-sample line: too few to say.")
    text: str = Field(description="For people, e.g. 'κ 0.71 (95% CI 0.58-0.82, n=64)'.")

    @classmethod
    def of(cls, e: Estimate, symbol: str = "", *, percent: bool = False) -> EstimateOut:
        return cls(
            value=e.value,
            low=e.low,
            high=e.high,
            n=e.n,
            small=e.small,
            text=e.describe(symbol, percent=percent),
        )


class AgreementRowOut(BaseModel):
    group: str
    reviewed: int
    agreement: EstimateOut
    kappa: EstimateOut
    accuracy: EstimateOut
    awaiting_ruling: int


class CalibrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    cases: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        min_length=1, max_length=200
    )
    participants: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        min_length=2, max_length=100
    )


class CalibrationAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy_id: PolicyId
    violation: bool
    rationale: Text


class CalibrationItemOut(BaseModel):
    """A case to decide, blind: its reports, never its decision or anyone else's answer."""

    id: int
    case: str
    reports: list[str]
    reports_withheld: str | None = None  # why no text is sent, for a harm area not for your role
    my_answer: VerdictOut | None


class CalibrationOut(BaseModel):
    id: int
    key: str = Field(description="CAL-<id>")
    title: str
    participants: list[str]
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    cases: int
    answered_by_me: int
    items: list[CalibrationItemOut] = Field(default_factory=list, description="Yours to answer.")


class CalibrationItemResultOut(BaseModel):
    case: str
    decided: str = Field(description="The case's own decision.")
    answers: dict[str, int] = Field(description="Each answer and how many gave it.")
    agreeing_share: float = Field(description="The most common answer's share (1.0: unanimous).")


class CalibrationPolicyOut(BaseModel):
    policy_id: str
    alpha: EstimateOut
    cases: int
    with_decision: float = Field(description="Share of answers matching the cases' decisions.")


class CalibrationReportOut(BaseModel):
    overall: EstimateOut
    answered: int
    expected: int
    policies: list[CalibrationPolicyOut] = Field(description="Least agreement first.")
    items: list[CalibrationItemResultOut] = Field(description="Widest spread of answers first.")
