"""How the console writes times and durations (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape


def in_zone(value: datetime | None, zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """A moment as its reader reads it: in their ``zone`` (UTC when none), to the minute, with
    the zone's abbreviation ('07 Dec 09:30 CET'); the year too when it is not ``now``'s."""
    if value is None:
        return "\u2014"
    local = _aware(value).astimezone(zone or UTC)
    year = now is None or _aware(now).astimezone(zone or UTC).year != local.year
    return local.strftime("%d %b %Y %H:%M %Z" if year else "%d %b %H:%M %Z")


def when_markup(value: datetime | None, zone: tzinfo | None, now: datetime | None) -> Markup:
    """A ``<time>`` element: the moment in the reader's zone, in UTC on hover and for machines."""
    if value is None:
        return Markup("\u2014")
    utc = _aware(value).astimezone(UTC)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M UTC"),
        escape(in_zone(utc, zone, now)),
    )


@pass_context
def when(context: Any, value: datetime | None) -> Markup:
    """The ``when`` filter: reads the reader's zone and the page's moment from the template."""
    return when_markup(value, context.get("zone"), context.get("now"))


def _aware(value: datetime) -> datetime:
    """Stored times are UTC; a driver that drops the zone (SQLite) gives them back naive."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
