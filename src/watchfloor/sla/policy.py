"""SLA policies (config/sla.yaml): targets per priority and harm area on a calendar, the due times
they give a case, and the state of its clocks (pure).

A case has two clocks, first action and resolution. Each runs on its policy's calendar from the
moment the case opens; time spent paused (waiting on someone outside the team, or resolved until
reopened) is added back; a legal clock of the case's SLA class caps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from dateutil.relativedelta import relativedelta
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.configfile import load_yaml_model, parse_duration
from watchfloor.sla.calendars import CalendarIn
from watchfloor.sla.clocks import (
    ALWAYS,
    ZERO,
    Calendar,
    add,
    add_each,
    business_time,
)
from watchfloor.triage.taxonomy import Priority

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _known_calendar(value: str | None, info: ValidationInfo) -> str | None:
    known = (info.context or {}).get("calendars")
    if value is not None and known is not None and value not in known:
        raise ValueError(f"unknown calendar {value!r}; calendars are: {', '.join(sorted(known))}")
    return value


def _known_area(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("harm_areas")
    if known is not None and value not in known:
        raise ValueError(
            f"unknown harm area {value!r}; taxonomy.yaml defines: {', '.join(sorted(known))}"
        )
    return value


CalendarName = Annotated[str, AfterValidator(_known_calendar)]
AreaName = Annotated[str, AfterValidator(_known_area)]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_action: Duration
    resolution: Duration
    calendar: CalendarName | None = None

    @model_validator(mode="after")
    def _order(self) -> Target:
        if self.first_action > self.resolution:
            raise ValueError("first_action must not be longer than resolution")
        return self


class AreaPolicy(BaseModel):
    """A harm area's overrides of the default targets, and the calendar its clocks run on."""

    model_config = ConfigDict(extra="forbid")
    calendar: CalendarName | None = None
    targets: dict[Priority, Target] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("targets"), dict):
            data = {**data, "targets": _priority_keys(data["targets"])}
        return data


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


class Escalation(BaseModel):
    """What a breach does beyond its own event."""

    model_config = ConfigDict(extra="forbid")
    # Removed in #21 (a breach used to raise the priority one level and re-route the case):
    # kept only to say so on the line that still sets it.
    raise_priority: object = Field(default=None, exclude=True)
    shift_lead_schedule: str | None = Field(
        default="shift-lead", description="The on-call schedule whose person is the shift lead."
    )
    page_schedule: str | None = Field(
        default=None, description="The schedule paged for P0/P1 breaches (None: on-call's default)."
    )
    page_priorities: list[Priority] = Field(default_factory=lambda: [Priority.P0, Priority.P1])

    @field_validator("raise_priority")
    @classmethod
    def _no_relabelling(cls, value: object) -> object:
        if value is not None:
            raise ValueError(
                "no longer supported: a breach keeps the case's priority, harm area and queue "
                "(claims take due cases first, the lead is notified and P0/P1 breaches page); "
                "remove the line"
            )
        return value

    @field_validator("page_priorities", mode="before")
    @classmethod
    def _labels(cls, value: object) -> object:
        if isinstance(value, list):
            return [Priority.parse(v) if isinstance(v, str) else v for v in value]
        return value


@dataclass(frozen=True)
class Policy:
    """The targets and calendar that apply to one priority in one harm area (or by default)."""

    name: str
    first_action: timedelta
    resolution: timedelta
    calendar: Calendar


@dataclass(frozen=True)
class Deadlines:
    first_action_due_at: datetime
    first_action_warn_at: datetime
    resolve_due_at: datetime
    resolve_warn_at: datetime


class SlaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    warning_fraction: float = Field(default=0.75, gt=0, lt=1)
    calendars: dict[str, CalendarIn] = Field(default_factory=dict)
    targets: dict[Priority, Target]
    harm_areas: dict[AreaName, AreaPolicy] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    classes: dict[str, SlaClass] = Field(
        default_factory=lambda: {
            "standard": SlaClass(description="The priority targets alone apply.")
        }
    )
    _policies: dict[tuple[str | None, Priority], Policy] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: object, info: ValidationInfo) -> object:
        if isinstance(data, dict):
            if isinstance(data.get("targets"), dict):
                data = {**data, "targets": _priority_keys(data["targets"])}
            if isinstance(info.context, dict) and isinstance(data.get("calendars", {}), dict):
                # Nested calendar references are checked against these names (see CalendarName).
                info.context["calendars"] = {ALWAYS.name, *data.get("calendars", {})}
        return data

    @field_validator("calendars")
    @classmethod
    def _reserved(cls, value: dict[str, CalendarIn]) -> dict[str, CalendarIn]:
        if ALWAYS.name in value:
            raise ValueError(f"{ALWAYS.name!r} is built in (always open); choose another name")
        return value

    @model_validator(mode="after")
    def _complete(self) -> SlaConfig:
        missing = [p.label for p in Priority if p not in self.targets]
        if missing:
            raise ValueError(f"targets missing for {', '.join(missing)}")
        names = {ALWAYS.name, *self.calendars}
        used = [t.calendar for t in self.targets.values()] + [
            c
            for a in self.harm_areas.values()
            for c in [a.calendar, *(t.calendar for t in a.targets.values())]
        ]
        unknown = sorted({c for c in used if c is not None and c not in names})
        if unknown:
            raise ValueError(f"unknown calendar(s) {', '.join(unknown)}")
        calendars = {name: c.build(name) for name, c in self.calendars.items()}
        calendars[ALWAYS.name] = ALWAYS
        for p, default in self.targets.items():
            self._policies[(None, p)] = Policy(
                f"default {p.label}",
                default.first_action,
                default.resolution,
                calendars[default.calendar or ALWAYS.name],
            )
            for area, override in self.harm_areas.items():
                target = override.targets.get(p)
                cal = (target and target.calendar) or override.calendar or default.calendar
                self._policies[(area, p)] = Policy(
                    f"{area} {p.label}",
                    (target or default).first_action,
                    (target or default).resolution,
                    calendars[cal or ALWAYS.name],
                )
        return self

    def policy(self, priority: Priority | int, harm_area: str | None = None) -> Policy:
        """The policy for a case of this priority in this harm area (the default if none)."""
        # Priority is an IntEnum, so a plain int finds the same key; no conversion per case.
        policies = self.__pydantic_private__["_policies"]  # type: ignore[index]
        found: Policy | None = policies.get((harm_area, priority))
        return found if found is not None else policies[(None, priority)]

    def policies(self) -> dict[tuple[str | None, Priority], Policy]:
        """Every policy, by (harm area, or None for the defaults; priority)."""
        return dict(self.__pydantic_private__["_policies"])  # type: ignore[index]

    def legal_deadline(self, sla_class: str | None, opened_at: datetime) -> datetime | None:
        cls = self.classes.get(sla_class) if sla_class else None
        return cls.legal_clock.deadline(opened_at) if cls and cls.legal_clock else None

    def deadlines(
        self,
        *,
        priority: Priority | int,
        harm_area: str | None,
        opened_at: datetime,
        paused: timedelta = ZERO,
        legal_due_at: datetime | None = None,
    ) -> Deadlines:
        """Due and warning times of both clocks for a case opened at ``opened_at``.

        ``paused`` is the clock time spent paused so far: it moves both due times later.
        """
        policy = self.policy(priority, harm_area)
        cal = policy.calendar
        if cal.tz is None and legal_due_at is None:  # 24x7 and no legal cap: plain arithmetic
            start = opened_at + paused
            fraction = self.warning_fraction
            return Deadlines(
                start + policy.first_action,
                start + policy.first_action * fraction,
                start + policy.resolution,
                start + policy.resolution * fraction,
            )

        if legal_due_at is None:  # one walk of the calendar for all four
            fraction = self.warning_fraction
            first_due, first_warn, resolve_due, resolve_warn = add_each(
                cal,
                opened_at,
                [
                    policy.first_action + paused,
                    policy.first_action * fraction + paused,
                    policy.resolution + paused,
                    policy.resolution * fraction + paused,
                ],
            )
            return Deadlines(first_due, first_warn, resolve_due, resolve_warn)

        def one(target: timedelta) -> tuple[datetime, datetime]:
            due = add(cal, opened_at, target + paused)
            span = target
            if legal_due_at is not None and due > legal_due_at:
                due = legal_due_at
                span = max(business_time(cal, opened_at, due) - paused, ZERO)
            return due, add(cal, opened_at, span * self.warning_fraction + paused)

        first_due, first_warn = one(policy.first_action)
        resolve_due, resolve_warn = one(policy.resolution)
        return Deadlines(first_due, first_warn, resolve_due, resolve_warn)

    def due(
        self,
        priority: Priority,
        opened_at: datetime,
        sla_class: str | None = None,
        harm_area: str | None = None,
    ) -> tuple[datetime, datetime]:
        """(first action due, resolution due) for a case opened at ``opened_at``, not paused."""
        d = self.deadlines(
            priority=priority,
            harm_area=harm_area,
            opened_at=opened_at,
            legal_due_at=self.legal_deadline(sla_class, opened_at),
        )
        return d.first_action_due_at, d.resolve_due_at


def _priority_keys(targets: dict[Any, Any]) -> dict[Any, Any]:
    return {
        Priority.parse(k) if isinstance(k, str) and k.upper() in Priority.__members__ else k: v
        for k, v in targets.items()
    }


def load_sla(config_dir: Path, harm_areas: set[str] | None = None) -> SlaConfig:
    """config/sla.yaml, validated; with ``harm_areas``, overrides must name one of them."""
    context: dict[str, Any] = {} if harm_areas is None else {"harm_areas": harm_areas}
    return load_yaml_model(config_dir / "sla.yaml", SlaConfig, context=context)
