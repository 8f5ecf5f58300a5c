"""On-call schedules (config/oncall.yaml) and escalation policies (config/escalation.yaml), validated.

Pure: no database. A schedule is a stack of layers; each layer is a rotation whose hand-offs are a
recurrence (daily, weekly or an RFC 5545 RRULE) in the layer's own time zone, optionally restricted
to hours of the day and week. Later layers in the file sit higher and win where they have someone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, WEEKLY, rrule, rruleset, rrulestr
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.configfile import parse_duration

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
END_OF_DAY = time.max  # "24:00" as an end of hours: the end of the day


def _clock_time(value: object) -> object:
    """``"07:00"`` (or YAML's sexagesimal 420 for unquoted 07:00) as a time; ``"24:00"`` ends a day."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
        value = f"{value // 60:02d}:{value % 60:02d}"  # YAML 1.1 reads 07:00 as 420
    if isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if not m:
            raise ValueError(f"{value!r} is not a time of day; write it like 07:00")
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour == 24:
            if minute:
                raise ValueError(f"{value!r} is not a time of day; the latest is 24:00")
            return END_OF_DAY
        return time(hour, minute)
    return value


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Dublin or America/New_York"
        ) from exc


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in ``tz`` as a UTC instant.

    A time skipped by a DST change (02:30 when clocks jump from 02:00 to 03:00) is read with the
    offset before the change (PEP 495, fold=0): it lands an hour later on the wall. A repeated time
    is its first occurrence.
    """
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


class Hours(BaseModel):
    """When a layer covers: ``start``-``end`` on ``days`` in the layer's time zone.

    An ``end`` at or before ``start`` runs past midnight into the next day (22:00-06:00).
    """

    model_config = ConfigDict(extra="forbid")
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    start: ClockTime
    end: ClockTime

    @field_validator("start")
    @classmethod
    def _not_end_of_day(cls, value: time) -> time:
        if value == END_OF_DAY:
            raise ValueError("24:00 can only end hours; start them at 00:00")
        return value


class Layer(BaseModel):
    """One rotation: participants take turns, handing off at each occurrence of the recurrence."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    participants: list[Username] = Field(min_length=1)
    time_zone: str
    start: datetime = Field(
        description="First hand-off, wall-clock time in time_zone (no offset): 2026-01-05T07:00"
    )
    recurrence: str = Field(
        description="daily, weekly, or an RRULE such as FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9"
    )
    interval: int = Field(default=1, ge=1, le=366, description="every N days or weeks")
    handoff_times: list[ClockTime] = Field(
        default_factory=list,
        description="hand-off times of day for daily/weekly; default: start's time",
    )
    hours: list[Hours] = Field(default_factory=list, description="empty: around the clock")
    end: datetime | None = Field(default=None, description="Wall-clock end of the rotation")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError(
                f"write {info.field_name} as a wall-clock time in the layer's time_zone, "
                "without an offset (e.g. 2026-01-05T07:00)"
            )
        return value

    @field_validator("handoff_times")
    @classmethod
    def _times(cls, value: list[time]) -> list[time]:
        if END_OF_DAY in value:
            raise ValueError("a hand-off time is 00:00-23:59; write 00:00 for midnight")
        return sorted(set(value))

    @field_validator("recurrence")
    @classmethod
    def _recurrence(cls, value: str, info: ValidationInfo) -> str:
        text = value.strip()
        if text.lower() in {"daily", "weekly"}:
            return text.lower()
        start = info.data.get("start")
        body = text.removeprefix("RRULE:")
        try:
            rule = rrulestr(body, dtstart=start or datetime(2026, 1, 1), forceset=False)  # noqa: DTZ001 - wall-clock time
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(
                f"not daily, weekly or a valid RRULE ({exc}); "
                "e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"
            ) from exc
        if not isinstance(rule, rrule):
            raise ValueError("give exactly one RRULE (no RDATE/EXDATE)")
        if "FREQ=SECONDLY" in body.upper().replace(" ", ""):
            raise ValueError("hand-offs every second are not a rotation; use MINUTELY or slower")
        if start is not None and rule.after(start, inc=True) is None:
            raise ValueError("the RRULE has no hand-off at or after start")
        return body

    @model_validator(mode="after")
    def _consistent(self) -> Layer:
        if self.recurrence not in {"daily", "weekly"} and self.handoff_times:
            raise ValueError(
                "handoff_times is for daily or weekly recurrences; put times in the RRULE "
                "(BYHOUR=7,19;BYMINUTE=0)"
            )
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.time_zone)

    @cached_property
    def rule(self) -> rrule | rruleset:
        """Hand-offs as wall-clock datetimes in the layer's time zone."""
        if self.recurrence in {"daily", "weekly"}:
            freq: Literal[2, 3] = DAILY if self.recurrence == "daily" else WEEKLY
            times = self.handoff_times or [self.start.time().replace(second=0, microsecond=0)]
            rules = rruleset(cache=True)
            for t in times:
                rules.rrule(
                    rrule(
                        freq,
                        interval=self.interval,
                        dtstart=self.start,
                        byhour=t.hour,
                        byminute=t.minute,
                        bysecond=0,
                        until=self.end,
                    )
                )
            # start itself is the first hand-off even when its time is not among the times.
            rules.rdate(self.start)
            return rules
        rule = rrulestr(self.recurrence, dtstart=self.start, cache=True)
        assert isinstance(rule, rrule)
        if self.end is not None and "COUNT=" not in self.recurrence.upper():
            return rule.replace(until=self.end)
        return rule

    def covers_weekday(self, day: date) -> list[Hours]:
        return [h for h in self.hours if WEEKDAYS[day.weekday()] in h.days]


class ConfigOverride(BaseModel):
    """Someone takes a shift: ``user`` is on call instead of ``replaces`` (or instead of anyone)."""

    model_config = ConfigDict(extra="forbid")
    user: Username
    replaces: Username | None = None
    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""

    @model_validator(mode="after")
    def _order(self) -> ConfigOverride:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    description: str = ""
    layers: list[Layer] = Field(min_length=1)
    overrides: list[ConfigOverride] = Field(default_factory=list)
    escalation_policy: Name | None = Field(
        default=None, description="policy for pages to this schedule; default: the default policy"
    )
    allow_overlaps: bool = Field(
        default=False,
        description="true when higher layers are meant to cover over lower ones (the coverage "
        "check then reports only gaps)",
    )

    @field_validator("layers")
    @classmethod
    def _unique(cls, value: list[Layer]) -> list[Layer]:
        names = [layer.name for layer in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"layer name(s) used twice: {', '.join(dupes)}")
        return value


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)] | None
    ) = None


class OncallFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    schedules: dict[Name, Schedule] = Field(default_factory=dict)
    people: dict[Username, Contact] = Field(default_factory=dict)


def parse_layer(data: dict[str, Any]) -> Layer:
    """A layer from a mapping (tests and tools); pydantic ValidationError on bad input."""
    return Layer.model_validate(data)
