"""On-call API bodies: who is on call, overrides, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$")]


class ShiftOut(BaseModel):
    users: list[str]
    start: datetime
    end: datetime
    layer: str | None = Field(description="the layer that decides; null for an override")


class OnCallNow(BaseModel):
    schedule: str
    title: str
    at: datetime
    on_call: list[str]
    shift: ShiftOut | None


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schedule: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    user: Username
    replaces: Username | None = Field(
        default=None, description="who the user stands in for; null: on call instead of anyone"
    )
    start: AwareDatetime
    end: AwareDatetime
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    schedule: str
    user: str
    replaces: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


class FeedOut(BaseModel):
    url: str = Field(description="subscribe to this URL in a calendar app; it needs no login")
    expires_at: datetime


class GapOut(BaseModel):
    start: datetime
    end: datetime


class OverlapOut(GapOut):
    layers: list[str]


class CoverageOut(BaseModel):
    schedule: str
    start: datetime
    end: datetime
    gaps: list[GapOut]
    overlaps: list[OverlapOut]


class PageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schedule: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    summary: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    severity: Literal["P0", "P1", "P2", "P3"] = "P1"
    case_key: Annotated[str, StringConstraints(max_length=32)] | None = None
    dedup_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="one open page per key; default: a new key"
    )


class PageEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    kind: str
    actor: str
    step: int | None
    users: list[str]
    detail: str


class PageOut(BaseModel):
    id: int
    key: str
    state: str
    severity: str
    summary: str
    case_key: str | None
    schedule: str | None
    policy: str
    level: int
    cycle: int
    paged: list[str]
    next_escalation_at: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    events: list[PageEventOut] = Field(default_factory=list)
