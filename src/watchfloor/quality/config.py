"""The quality configuration (config/quality.yaml): sampling rules, golden copies and the
small-sample line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from watchfloor.configfile import load_yaml_model
from watchfloor.oncall.schedules import Duration

Percent = Annotated[float, Field(ge=0, le=100)]


class Sampling(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_analyst_percent: Percent = 5
    all_of_priorities: list[str] = Field(default_factory=lambda: ["P0"])
    against_suggestion_percent: Percent = 40
    fast_decision_within: Duration
    fast_decision_percent: Percent = 30
    new_analyst_for: Duration
    new_analyst_percent: Percent = 50
    weekly_minimum: dict[str, Annotated[int, Field(ge=0, le=10_000)]] = Field(
        default_factory=lambda: {"default": 0}
    )

    def minimum_for(self, harm_area: str) -> int:
        return self.weekly_minimum.get(harm_area, self.weekly_minimum.get("default", 0))


class Golden(BaseModel):
    """How many golden copies the worker mixes into the queues (``qa-golden``)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    # Copies opened in each queue per UTC day, at most; 0 opens none.
    per_queue_per_day: Annotated[int, Field(ge=0, le=100)] = 1


class QualityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    sampling: Sampling
    golden: Golden = Field(default_factory=Golden)
    small_sample: int = Field(default=30, ge=1, le=10_000)


def load_quality(
    config_dir: Path, *, harm_areas: set[str] | None = None, priorities: set[str] | None = None
) -> QualityConfig:
    """Read quality.yaml; ConfigError naming file:line:field on any problem, and on a harm area
    or priority the taxonomy does not know."""
    from watchfloor.errors import ConfigError

    path = config_dir / "quality.yaml"
    config = load_yaml_model(path, QualityConfig)
    problems = []
    if harm_areas is not None:
        problems += [
            f"{path}: sampling.weekly_minimum.{area}: unknown harm area; the taxonomy has "
            + ", ".join(sorted(harm_areas))
            for area in config.sampling.weekly_minimum
            if area != "default" and area not in harm_areas
        ]
    if priorities is not None:
        problems += [
            f"{path}: sampling.all_of_priorities: unknown priority {p!r}; use "
            + ", ".join(sorted(priorities))
            for p in config.sampling.all_of_priorities
            if p not in priorities
        ]
    if problems:
        raise ConfigError("\n".join(problems))
    return config
