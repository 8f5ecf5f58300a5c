"""What the insights API gives."""

from __future__ import annotations

from pydantic import BaseModel, Field

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
