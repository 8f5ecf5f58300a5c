"""The incident configuration (config/incidents.yaml): roles, severities with their meaning,
required roles, paging urgency and update cadence, and the stakeholder update templates."""

from __future__ import annotations

import string
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from watchfloor.configfile import load_yaml_model
from watchfloor.oncall.schedules import Duration, Name

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
# What an update template may name; anything else is a typo caught when the file is loaded.
TEMPLATE_FIELDS = frozenset(
    {
        "key",
        "severity",
        "title",
        "status",
        "harm_area",
        "cases",
        "open_cases",
        "commander",
        "since_last",
        "next_update",
        "tasks_open",
        "tasks_overdue",
    }
)


class RoleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=80)
    description: str = ""
    escalation_policy: Name | None = Field(
        default=None, description="climbed when the person paged does not acknowledge"
    )


class SeveritySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meaning: str = Field(min_length=1)
    required_roles: list[RoleName] = Field(min_length=1)
    page_severity: Literal["P0", "P1", "P2", "P3"]
    update_every: Duration

    @field_validator("update_every")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("update_every must be positive")
        return value


class Channels(BaseModel):
    """Where stakeholder updates go: webhook receivers by name, and email addresses."""

    model_config = ConfigDict(extra="forbid")
    webhooks: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )
    emails: list[Email] = Field(default_factory=list, max_length=50)


class IncidentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    roles: dict[RoleName, RoleSpec]
    severities: dict[Severity, SeveritySpec]
    update_templates: dict[str, str] = Field(default_factory=dict)
    default_channels: Channels = Field(default_factory=Channels)

    @model_validator(mode="after")
    def _consistent(self) -> IncidentConfig:
        problems = []
        for needed in ("commander", "scribe"):
            if needed not in self.roles:
                problems.append(f"roles: {needed!r} must be defined")
        missing = [s for s in SEVERITIES if s not in self.severities]
        if missing:
            problems.append(f"severities: define {', '.join(missing)}")
        for sev_name, sev in self.severities.items():
            for role in sev.required_roles:
                if role not in self.roles:
                    problems.append(
                        f"severities.{sev_name}.required_roles: unknown role {role!r}; roles are "
                        + ", ".join(sorted(self.roles))
                    )
        if "default" not in self.update_templates:
            problems.append("update_templates: a 'default' template is required")
        for name, text in self.update_templates.items():
            if name != "default" and name not in SEVERITIES:
                problems.append(f"update_templates.{name}: not a severity or 'default'")
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            unknown = fields - TEMPLATE_FIELDS - set(self.roles)
            if unknown:
                problems.append(
                    f"update_templates.{name}: unknown placeholder(s) "
                    + ", ".join(sorted(unknown))
                    + "; use "
                    + ", ".join(sorted(TEMPLATE_FIELDS | set(self.roles)))
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def template_for(self, severity: str) -> str:
        return self.update_templates.get(severity) or self.update_templates["default"]


def load_incidents(config_dir: Path, *, policies: set[str] | None = None) -> IncidentConfig:
    """Read incidents.yaml; ConfigError naming file:line:field on any problem. With ``policies``
    (escalation.yaml's), a role's escalation_policy must be one of them."""
    from watchfloor.errors import ConfigError

    path = config_dir / "incidents.yaml"
    config = load_yaml_model(path, IncidentConfig)
    if policies is not None:
        bad = [
            f"{path}: roles.{name}.escalation_policy: unknown policy {spec.escalation_policy!r}; "
            f"escalation.yaml defines {', '.join(sorted(policies))}"
            for name, spec in config.roles.items()
            if spec.escalation_policy and spec.escalation_policy not in policies
        ]
        if bad:
            raise ConfigError("\n".join(bad))
    return config
