"""Queue definitions (config/queues.yaml) and routing a case to the first queue that fits (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.configfile import load_yaml_model
from watchfloor.triage.taxonomy import PriorityLabel, Taxonomy

QueueName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class QueueFilters(BaseModel):
    """A case fits when every filter given lists its value; an empty or absent filter fits all."""

    model_config = ConfigDict(extra="forbid")
    harm_areas: list[str] = Field(default_factory=list)
    priorities: list[PriorityLabel] = Field(default_factory=list)
    regions: list[Annotated[str, StringConstraints(min_length=1, max_length=16)]] = Field(
        default_factory=list
    )
    languages: list[Annotated[str, StringConstraints(min_length=2, max_length=16)]] = Field(
        default_factory=list
    )

    @field_validator("harm_areas")
    @classmethod
    def _known_areas(cls, value: list[str], info: ValidationInfo) -> list[str]:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if taxonomy is not None:
            unknown = [a for a in value if a not in taxonomy.area_ids]
            if unknown:
                raise ValueError(
                    f"unknown harm area(s) {', '.join(unknown)}; known: {', '.join(taxonomy.area_ids)}"
                )
        return value

    def fits(
        self, *, harm_area: str, priority: str, region: str | None, language: str | None
    ) -> bool:
        if self.harm_areas and harm_area not in self.harm_areas:
            return False
        if self.priorities and priority not in self.priorities:
            return False
        if self.regions and (region or "").upper() not in {r.upper() for r in self.regions}:
            return False
        return not (
            self.languages
            and (language or "").split("-")[0].lower() not in {x.lower() for x in self.languages}
        )


class Queue(BaseModel):
    """A named stream of work analysts pull from."""

    model_config = ConfigDict(extra="forbid")
    name: QueueName
    title: str
    description: str = ""
    filters: QueueFilters = Field(default_factory=QueueFilters)
    default: bool = False


class QueueConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    due_margin_minutes: int = Field(
        default=15,
        ge=0,
        le=7 * 24 * 60,
        description="`next` serves a case whose first-action deadline is this close (or past) "
        "before any case that is not, whatever their priorities.",
    )
    queues: list[Queue] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> QueueConfig:
        names = [q.name for q in self.queues]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"queue name(s) used twice: {', '.join(dupes)}")
        defaults = [q.name for q in self.queues if q.default]
        if len(defaults) != 1:
            raise ValueError(
                "exactly one queue must have 'default: true' (it takes what no other queue fits); "
                f"found {len(defaults)}"
            )
        return self

    def get(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name == name), None)

    def route(
        self, *, harm_area: str, priority: str, region: str | None, language: str | None
    ) -> str:
        """The first queue, in file order, whose filters fit; else the default queue."""
        for queue in self.queues:
            if not queue.default and queue.filters.fits(
                harm_area=harm_area, priority=priority, region=region, language=language
            ):
                return queue.name
        return next(q.name for q in self.queues if q.default)


def load_queues(config_dir: Path, taxonomy: Taxonomy) -> QueueConfig:
    return load_yaml_model(config_dir / "queues.yaml", QueueConfig, context={"taxonomy": taxonomy})
