"""What the obligations API takes and gives: a clock to start, a step to record, a clock read."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

StepName = Literal["pause", "resume", "extend", "renew", "met"]
StateName = Literal["running", "paused", "warning", "breached", "met", "met_late", "expired"]


class StartIn(BaseModel):
    """Start an obligation's clock on a case."""

    model_config = ConfigDict(extra="forbid")
    obligation: str = Field(
        min_length=1, max_length=64, description="An id from config/obligations.yaml"
    )
    started_at: AwareDatetime | None = Field(
        default=None, description="When the starting event happened (default: now)"
    )
    response_due_at: AwareDatetime | None = Field(
        default=None, description="The date the request itself gives (subpoenas, orders)"
    )


class StepIn(BaseModel):
    """Something that happened to an obligation: its clock paused or resumed, the notice of an
    extension sent, a renewed request received, or the obligation met (a hold: released)."""

    model_config = ConfigDict(extra="forbid")
    step: StepName
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="pause: one of the obligation's pause reasons; extend: why more time is "
        "needed (sent with the notice); otherwise a note",
    )
    at: AwareDatetime | None = Field(default=None, description="When it happened (default: now)")


class PauseOut(BaseModel):
    reason: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None
    ended_by: str | None
    end_note: str


class ObligationOut(BaseModel):
    """One obligation of a case and its clock, read now."""

    id: int
    case: str = Field(description="The case's key")
    obligation: str
    title: str
    kind: str
    jurisdiction: str
    citation: str
    law_url: str
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    state: StateName
    left_seconds: int | None = Field(description="Negative once overdue; frozen when done")
    response_due_at: datetime | None
    extended_at: datetime | None
    extension_reason: str | None
    renewals: list[datetime]
    done_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    pauses: list[PauseOut]
