"""SLA targets per priority and SLA class (config/sla.yaml), and the due times they give a case (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from watchfloor.configfile import load_yaml_model, parse_duration
from watchfloor.triage.taxonomy import Priority

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_action: Duration
    resolution: Duration

    @model_validator(mode="after")
    def _order(self) -> Target:
        if self.first_action > self.resolution:
            raise ValueError("first_action must not be longer than resolution")
        return self


class LegalClock(BaseModel):
    """A deadline set by law: resolution is never due later than this after the case opens."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)
    source: str

    @model_validator(mode="after")
    def _some(self) -> LegalClock:
        if not self.months and not self.days:
            raise ValueError("a legal clock needs months or days")
        return self

    def deadline(self, opened_at: datetime) -> datetime:
        return opened_at + relativedelta(months=self.months, days=self.days)


class SlaClass(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    legal_clock: LegalClock | None = None


class SlaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    targets: dict[Priority, Target]
    classes: dict[str, SlaClass] = Field(
        default_factory=lambda: {
            "standard": SlaClass(description="The priority targets alone apply.")
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("targets"), dict):
            data = dict(data)
            data["targets"] = {
                Priority.parse(k)
                if isinstance(k, str) and k.upper() in Priority.__members__
                else k: v
                for k, v in data["targets"].items()
            }
        return data

    @model_validator(mode="after")
    def _complete(self) -> SlaConfig:
        missing = [p.label for p in Priority if p not in self.targets]
        if missing:
            raise ValueError(f"targets missing for {', '.join(missing)}")
        return self

    def due(
        self, priority: Priority, opened_at: datetime, sla_class: str | None = None
    ) -> tuple[datetime, datetime]:
        """(first action due, resolution due) for a case opened at ``opened_at``.

        A class with a legal clock brings both in to the clock's deadline if it is sooner.
        """
        target = self.targets[priority]
        first, resolve = opened_at + target.first_action, opened_at + target.resolution
        clock = self.classes[sla_class].legal_clock if sla_class in self.classes else None
        if clock is not None:
            deadline = clock.deadline(opened_at)
            first, resolve = min(first, deadline), min(resolve, deadline)
        return first, resolve


def load_sla(config_dir: Path) -> SlaConfig:
    return load_yaml_model(config_dir / "sla.yaml", SlaConfig)
