"""SLA targets per priority (config/sla.yaml) and the due times they give a case (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

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


class SlaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    targets: dict[Priority, Target]

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

    def due(self, priority: Priority, opened_at: datetime) -> tuple[datetime, datetime]:
        """(first action due, resolution due) for a case opened at ``opened_at``."""
        target = self.targets[priority]
        return opened_at + target.first_action, opened_at + target.resolution


def load_sla(config_dir: Path) -> SlaConfig:
    return load_yaml_model(config_dir / "sla.yaml", SlaConfig)
