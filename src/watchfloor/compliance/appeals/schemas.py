"""Appeals as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Appellant = Literal["affected_user", "notifier"]
Outcome = Literal["upheld", "overturned"]


class AppealIn(BaseModel):
    """An internal complaint (DSA Art. 20) against a decision on the case."""

    model_config = ConfigDict(extra="forbid")
    decision_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Default: the case's latest decision."
    )
    appellant: Appellant = Field(description="Who appeals: the affected user or the notifier.")
    appellant_id: str = Field(min_length=1, max_length=200, description="Their id with you.")
    reasons: str = Field(min_length=1, max_length=10000, description="Why they disagree.")
    received_at: AwareDatetime | None = Field(default=None, description="Default: now.")
    source: str | None = Field(
        default=None, min_length=1, max_length=100, description="Default: the caller."
    )
    external_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The sender's id: the same (source, external_id) lodges one appeal.",
    )


class AppealDecisionIn(BaseModel):
    """A person's decision on an appeal (DSA Art. 20(4)-(6))."""

    model_config = ConfigDict(extra="forbid")
    outcome: Outcome = Field(description="upheld: the decision stands; overturned: it is reversed.")
    reasons: str = Field(
        min_length=1, max_length=10000, description="The reasons, told to the appellant."
    )
    changes: str | None = Field(
        default=None, max_length=5000, description="What changes: required when overturned."
    )


class AppealedDecisionOut(BaseModel):
    id: int
    policy_id: str
    violation: bool
    decided_by: str
    decided_at: datetime
    actions: list[str]
    restricted: bool = Field(description="It ordered a restriction (DSA Art. 17).")


class AppealOut(BaseModel):
    """One appeal. ``state``: open or decided. ``reversed``: an overturned appeal of a restriction."""

    id: int
    case: str
    decision: AppealedDecisionOut
    appellant: Appellant
    appellant_id: str
    reasons: str
    received_at: datetime
    window_closes_at: datetime
    source: str | None
    external_id: str | None
    state: Literal["open", "decided"]
    due_at: datetime | None = Field(description="When dsa_20_decide_appeal falls due (open).")
    outcome: Outcome | None
    outcome_reasons: str | None
    changes: str | None
    reversed: bool
    decided_by: str | None
    decided_at: datetime | None
    answer: str | None = Field(description="What the appellant was told (decided).")
