"""The SLA and on-call configuration as rows a person reads (pure): the admin page's tables.

Only what the files say, written for people: durations as "15 min" or "7 d", hours as
"09:00-17:30", and of each person only whether an email address is known, never the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from watchfloor.oncall.config import OncallConfig
from watchfloor.oncall.schedules import END_OF_DAY, Layer
from watchfloor.sla.calendars import WEEKDAYS
from watchfloor.sla.clocks import Window
from watchfloor.sla.policy import SlaConfig, Target

ALWAYS_OPEN = "24x7"
TO = "\u2013"  # an en dash between the ends of a span of hours


@dataclass(frozen=True)
class TargetRow:
    scope: str  # "default" or a harm area
    priority: str  # P0..P3, or "all" for an area's calendar alone
    first_action: str
    resolution: str
    calendar: str


@dataclass(frozen=True)
class CalendarRow:
    name: str
    time_zone: str
    hours: list[str]  # "mon 09:00-17:30", one per open weekday
    holidays: int
    last_holiday: str


@dataclass(frozen=True)
class LayerRow:
    schedule: str
    title: str
    policy: str
    layer: str
    participants: str
    time_zone: str
    rotation: str
    handoffs: str
    hours: str


@dataclass(frozen=True)
class PersonRow:
    username: str
    email_known: bool
    schedules: str


@dataclass(frozen=True)
class StepRow:
    policy: str
    level: int
    pages: str
    wait: str
    repeat: int
    default: bool


def span(value: timedelta) -> str:
    """A duration as configured: '15 min', '4 h', '1 d 12 h'."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "min")) if n]
    return " ".join(parts) or f"{int(value.total_seconds())} s"


def _offset(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(window: Window) -> str:
    return f"{_offset(window[0])}{TO}{_offset(window[1])}"


def _clock(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _target(scope: str, priority: str, target: Target, calendar: str | None) -> TargetRow:
    return TargetRow(
        scope,
        priority,
        span(target.first_action),
        span(target.resolution),
        target.calendar or calendar or ALWAYS_OPEN,
    )


def sla_targets(sla: SlaConfig) -> list[TargetRow]:
    """The default targets per priority, then each harm area's overrides."""
    rows = [_target("default", p.label, t, None) for p, t in sorted(sla.targets.items())]
    for area, policy in sorted(sla.harm_areas.items()):
        if policy.calendar and not policy.targets:
            rows.append(TargetRow(area, "all", "as default", "as default", policy.calendar))
        rows += [
            _target(area, p.label, t, policy.calendar) for p, t in sorted(policy.targets.items())
        ]
    return rows


def calendars(sla: SlaConfig) -> list[CalendarRow]:
    rows = []
    for name, cal in sorted(sla.calendars.items()):
        open_days = sorted(cal.hours.items(), key=lambda item: WEEKDAYS.index(item[0]))
        hours = [f"{day} {', '.join(_window(w) for w in ws)}" for day, ws in open_days if ws]
        last = max(cal.holidays).isoformat() if cal.holidays else "none listed"
        rows.append(CalendarRow(name, cal.time_zone, hours, len(cal.holidays), last))
    return rows


def _rotation(layer: Layer) -> str:
    every = {"daily": "day", "weekly": "week"}.get(layer.recurrence.lower())
    if every is None:
        return layer.recurrence
    return f"every {every}" if layer.interval == 1 else f"every {layer.interval} {every}s"


def layers(oncall: OncallConfig) -> list[LayerRow]:
    """Every layer of every schedule, in the order they stack (a later layer wins)."""
    rows = []
    for name, schedule in sorted(oncall.schedules.items()):
        policy = schedule.escalation_policy or f"{oncall.escalation.default_policy} (default)"
        for layer in schedule.layers:
            handoffs = [_clock(t) for t in layer.handoff_times] or [layer.start.strftime("%H:%M")]
            hours = [
                f"{'/'.join(h.days) if len(h.days) < 7 else 'every day'} "
                f"{_clock(h.start)}{TO}{_clock(h.end)}"
                for h in layer.hours
            ]
            rows.append(
                LayerRow(
                    name,
                    schedule.title,
                    policy,
                    layer.name,
                    ", ".join(layer.participants),
                    layer.time_zone,
                    f"{_rotation(layer)} from {layer.start.strftime('%Y-%m-%d %H:%M')}",
                    ", ".join(handoffs),
                    "; ".join(hours) or "around the clock",
                )
            )
    return rows


def people(oncall: OncallConfig) -> list[PersonRow]:
    """Everyone the on-call configuration knows, whether it can email them, and their rotas."""
    rotas: dict[str, list[str]] = {}
    for name, schedule in sorted(oncall.schedules.items()):
        for layer in schedule.layers:
            for person in layer.participants:
                if name not in rotas.setdefault(person, []):
                    rotas[person].append(name)
    names = sorted(set(oncall.people) | set(rotas))
    return [
        PersonRow(
            n,
            bool((contact := oncall.people.get(n)) and contact.email),
            ", ".join(rotas.get(n, [])) or "—",
        )
        for n in names
    ]


def escalation_steps(oncall: OncallConfig) -> list[StepRow]:
    """Each policy's levels in order: whom a level pages and how long it waits for an ack."""
    default = oncall.escalation.default_policy
    rows = []
    for name, policy in sorted(oncall.escalation.policies.items()):
        for level, step in enumerate(policy.steps, start=1):
            targets = []
            if step.schedule:
                targets.append(f"on call for {step.schedule}")
            targets += step.users
            pages = ", ".join(targets) or "on call for the paged schedule"
            rows.append(
                StepRow(name, level, pages, span(step.wait), policy.repeat, name == default)
            )
    return rows
