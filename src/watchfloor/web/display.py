"""How the console writes times and durations (pure)."""

from __future__ import annotations

from datetime import datetime


def when(value: datetime | None) -> str:
    """A timestamp as people on a global team read it: UTC, to the minute."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    """Seconds as '2 d 3 h', '3 h 12 min', '4 min' or '40 s'; negative ones get a minus sign."""
    sign = "\u2212" if seconds < 0 else ""  # a real minus sign
    s = int(abs(seconds))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes:02d} min"
    elif minutes:
        text = f"{minutes} min"
    else:
        text = f"{secs} s"
    return sign + text


def ago(value: datetime | None, now: datetime) -> str:
    """How long before ``now`` a moment was: '3 h 12 min'."""
    if value is None:
        return "—"
    return duration((now - value).total_seconds())
