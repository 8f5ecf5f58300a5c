"""Business calendars as config/sla.yaml writes them: open hours per weekday in a time zone, and
the holidays off; and the check that their holidays still reach far enough ahead."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from watchfloor.sla.clocks import Calendar, Window, parse_window

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _windows(value: object) -> tuple[Window, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("write hours as 09:00-17:30, or a list of such windows")
    windows = sorted(parse_window(i) for i in items)
    for (_, end), (start, _) in pairwise(windows):
        if start < end:
            raise ValueError(f"windows {items} overlap")
    return tuple(windows)


Windows = Annotated[tuple[Window, ...], BeforeValidator(_windows)]


class CalendarIn(BaseModel):
    """Business hours per weekday in an IANA time zone, and the holidays (local dates) off."""

    model_config = ConfigDict(extra="forbid")
    time_zone: str
    hours: dict[Weekday, Windows]
    holidays: list[date] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/Dublin"
            ) from None
        return value

    @field_validator("hours")
    @classmethod
    def _some_hours(cls, value: dict[str, tuple[Window, ...]]) -> dict[str, tuple[Window, ...]]:
        if not any(value.values()):
            raise ValueError("a calendar needs open hours on at least one weekday")
        return value

    def build(self, name: str) -> Calendar:
        return Calendar(
            name=name,
            tz=ZoneInfo(self.time_zone),
            hours=tuple(self.hours.get(day, ()) for day in WEEKDAYS),  # type: ignore[call-overload]
            holidays=frozenset(self.holidays),
        )


# How far ahead a calendar's holidays must reach before `config check` warns.
HOLIDAYS_AHEAD = timedelta(days=90)


def holidays_running_out(calendars: dict[str, CalendarIn], today: date) -> list[str]:
    """A warning per calendar whose last listed holiday is less than HOLIDAYS_AHEAD after
    ``today``: past it the calendar counts every weekday as open, so an office's clocks would
    run through its next holidays. A calendar without holidays is meant so and never warns."""
    out = []
    for name, cal in sorted(calendars.items()):
        if not cal.holidays:
            continue
        last = max(cal.holidays)
        if last < today + HOLIDAYS_AHEAD:
            out.append(
                f"warning: calendar {name}: its last holiday is {last.isoformat()}, less than "
                f"{HOLIDAYS_AHEAD.days} days away; add the holidays after it to config/sla.yaml"
            )
    return out
