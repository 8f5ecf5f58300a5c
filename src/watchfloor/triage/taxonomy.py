"""The policy taxonomy: harm areas, their policies and priorities (pure; loaded from config/taxonomy.yaml)."""

from __future__ import annotations

from enum import IntEnum
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


def _known_sla_class(value: str | None, info: ValidationInfo) -> str | None:
    known: set[str] | None = (info.context or {}).get("sla_classes")
    if value is not None and known is not None and value not in known:
        raise ValueError(
            f"unknown SLA class {value!r}; config/sla.yaml defines: {', '.join(sorted(known))}"
        )
    return value


class Policy(BaseModel):
    """One rule a decision cites; severity, skill and SLA class default to its harm area's."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=32)]
    title: str
    definition: Annotated[str, StringConstraints(min_length=10)]
    violating: list[str] = Field(default_factory=list, description="Examples that break it.")
    non_violating: list[str] = Field(
        default_factory=list, description="Look-alikes that do not break it."
    )
    severity: PriorityLabel | None = None
    skill: Slug | None = None
    sla_class: Slug | None = None

    _sla_class = field_validator("sla_class")(_known_sla_class)


class HarmArea(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Slug
    title: str
    description: str
    severity: PriorityLabel = Field(description="Priority when nothing more specific is known.")
    skill: Slug = Field(description="The specialist skill an analyst needs to work it.")
    sla_class: Slug = Field(description="A class from config/sla.yaml.")
    graphic: bool = Field(default=False, description="Evidence here can be graphic or disturbing.")
    policies: list[Policy] = Field(min_length=1)

    _sla_class = field_validator("sla_class")(_known_sla_class)

    @property
    def default_priority(self) -> Priority:
        return Priority.parse(self.severity)

    def severity_of(self, policy: Policy) -> Priority:
        return Priority.parse(policy.severity or self.severity)

    def skill_of(self, policy: Policy) -> str:
        return policy.skill or self.skill

    def sla_class_of(self, policy: Policy) -> str:
        return policy.sla_class or self.sla_class


class Taxonomy(BaseModel):
    """All harm areas. ``unclassified`` must exist: it is where triage puts what it cannot place."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
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

    @property
    def sla_classes(self) -> set[str]:
        """Every SLA class named by an area or a policy (config/sla.yaml must define them)."""
        return {a.sla_class for a in self.harm_areas} | {
            p.sla_class for a in self.harm_areas for p in a.policies if p.sla_class
        }


def load_taxonomy(config_dir: Path, sla_classes: set[str] | None = None) -> Taxonomy:
    """Read config/taxonomy.yaml; with ``sla_classes``, every SLA class named must be one of them."""
    context = {"sla_classes": sla_classes} if sla_classes is not None else None
    return load_yaml_model(config_dir / "taxonomy.yaml", Taxonomy, context=context)
