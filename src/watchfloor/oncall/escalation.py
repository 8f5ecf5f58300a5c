"""Escalation policies (config/escalation.yaml): the steps a page climbs when nobody
acknowledges, who is paged when the rota fails, and when a waiting case with nobody qualified on
shift pages the lead."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from watchfloor.oncall.coverage import CoverageRule
from watchfloor.oncall.schedules import Duration, Name, Username


class Step(BaseModel):
    """Page a schedule's on-call and/or named users; wait before the next step if nobody acks.

    A step that names neither pages whoever is on call for the schedule the page was sent to.
    """

    model_config = ConfigDict(extra="forbid")
    schedule: Name | None = None
    users: list[Username] = Field(default_factory=list)
    wait: Duration

    @field_validator("wait")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("wait must be positive")
        return value


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: list[Step] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10, description="times to run the steps again")


class Fallback(BaseModel):
    """Who is paged when the rota fails: a level that finds nobody on call pages the catch-all
    instead of being skipped, and a page nobody acknowledged after every level and repeat goes
    to the lead on shift and the catch-all."""

    model_config = ConfigDict(extra="forbid")
    lead_schedule: Name | None = Field(
        default=None, description="the schedule whose on-call is the lead on shift"
    )
    catch_all: list[Username] = Field(default_factory=list)


class EscalationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    default_policy: Name
    default_schedule: Name | None = Field(
        default=None, description="schedule paged when a page names none"
    )
    policies: dict[Name, Policy] = Field(min_length=1)
    fallback: Fallback = Field(default_factory=Fallback)
    coverage: CoverageRule = Field(default_factory=CoverageRule)  # nobody qualified on shift

    @model_validator(mode="after")
    def _default_exists(self) -> EscalationFile:
        if self.default_policy not in self.policies:
            raise ValueError(
                f"default_policy {self.default_policy!r} is not among policies: "
                + ", ".join(sorted(self.policies))
            )
        return self
