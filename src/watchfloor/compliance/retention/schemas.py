"""What the retention run log looks like over the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RetentionRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    day: str = Field(description="The UTC day it ran (once a day).")
    started_at: datetime
    finished_at: datetime | None = Field(description="None while it runs, or if it stopped.")
    counts: dict[str, int] = Field(description="Rows deleted or redacted, per data type.")
    cutoffs: dict[str, str] = Field(
        description="Per data type acted on: data older than this (ISO 8601) was past its period."
    )
    held_cases: int = Field(description="Cases skipped because a legal hold is in force.")
