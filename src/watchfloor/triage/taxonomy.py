"""The policy taxonomy: harm areas, their policies and priorities (pure; loaded from config/taxonomy.yaml)."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from watchfloor.configfile import load_yaml_model

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Priority(IntEnum):
    """P0 is the most urgent; stored as its number so ordering by it is ordering by urgency."""

    P0 = 0
    P1 = 1
    P2 = 2
    P3 = 3

    @property
    def label(self) -> str:
        return self.name

    @classmethod
    def parse(cls, value: str | int) -> Priority:
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(f"{value!r} is not a priority; use P0, P1, P2 or P3") from None


PriorityLabel = Annotated[str, StringConstraints(pattern=r"^P[0-3]$")]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=32)]
    title: str


class HarmArea(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Slug
    title: str
    default_priority: PriorityLabel
    graphic: bool = Field(default=False, description="Evidence here can be graphic or disturbing.")
    policies: list[Policy] = Field(default_factory=list)


class Taxonomy(BaseModel):
    """All harm areas. ``unclassified`` must exist: it is where triage puts what it cannot place."""

    model_config = ConfigDict(extra="forbid")
    version: int
    harm_areas: list[HarmArea]

    @model_validator(mode="after")
    def _check(self) -> Taxonomy:
        seen: set[str] = set()
        policy_ids: set[str] = set()
        for area in self.harm_areas:
            if area.id in seen:
                raise ValueError(f"harm area {area.id!r} is defined twice")
            seen.add(area.id)
            for policy in area.policies:
                if policy.id in policy_ids:
                    raise ValueError(f"policy {policy.id!r} is defined twice")
                policy_ids.add(policy.id)
        if "unclassified" not in seen:
            raise ValueError("the taxonomy needs an 'unclassified' harm area for unplaced reports")
        return self

    def area(self, harm_area: str) -> HarmArea:
        for area in self.harm_areas:
            if area.id == harm_area:
                return area
        raise KeyError(harm_area)

    @property
    def area_ids(self) -> list[str]:
        return [a.id for a in self.harm_areas]

    def policy(self, policy_id: str) -> tuple[HarmArea, Policy] | None:
        for area in self.harm_areas:
            for policy in area.policies:
                if policy.id == policy_id:
                    return area, policy
        return None


def load_taxonomy(config_dir: Path) -> Taxonomy:
    return load_yaml_model(config_dir / "taxonomy.yaml", Taxonomy)
