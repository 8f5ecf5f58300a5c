"""What the shift hand-off brief shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints


class UrgentCaseOut(BaseModel):
    key: str
    priority: str
    harm_area: str
    status: str
    queue: str
    assignee: str | None = Field(description="None: nobody holds it.")
    summary: str | None = Field(description="The start of its report text; null while withheld.")
    withheld: str | None = Field(
        default=None,
        description="Set when the summary is not sent to you: graphic-area report text is never "
        "shown to roles that may not see evidence.",
    )
    created_at: datetime


class DueCaseOut(BaseModel):
    key: str
    priority: str
    harm_area: str
    assignee: str | None
    clock: str = Field(description="first_action or resolution")
    due_at: datetime
    state: str = Field(description="breached (its due time has passed) or due")


class PageOut(BaseModel):
    key: str
    at: datetime
    severity: str
    state: str = Field(description="triggered, acknowledged or resolved")
    summary: str
    case: str | None


class OnCallOut(BaseModel):
    schedule: str
    now: list[str] = Field(description="On call as the brief is read: who takes over.")
    at_shift_end: list[str] = Field(description="On call when the next shift ends.")


class VolumeOut(BaseModel):
    harm_area: str
    last_hour: int
    same_hour_last_week: int
    unusual: bool


class HandoffBrief(BaseModel):
    generated_at: datetime
    since: datetime = Field(description="The last recorded hand-off, or one shift ago.")
    last_handoff_by: str | None
    next_shift_until: datetime
    urgent_open: list[UrgentCaseOut] = Field(description="At most 200, most urgent first.")
    urgent_open_total: int
    due_next_shift: list[DueCaseOut]
    on_call: list[OnCallOut] = Field(description="Each schedule, who is on call now and later.")
    pages: list[PageOut] = Field(
        description="Every page not resolved yet, whenever it began, and every page since the "
        "last hand-off; newest first."
    )
    volume: list[VolumeOut]


class HandoffIn(BaseModel):
    note: Annotated[str, StringConstraints(max_length=4000)] = ""


class HandoffRecordOut(BaseModel):
    id: int
    at: datetime
    by: str
    note: str
