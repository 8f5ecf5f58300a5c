"""How the console writes durations and which evidence starts hidden (pure)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from watchfloor.cases.exposure import starts_hidden
from watchfloor.web.display import duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (40, "40 s"),
        (4 * 60 + 59, "4 min"),
        (3 * 3600 + 5 * 60, "3 h 05 min"),
        (2 * 86400 + 3 * 3600 + 60, "2 d 3 h"),
        (-3600, "\u22121 h 00 min"),
    ],
)
def test_durations_read_like_people_say_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def _ev(kind: str, media_type: str | None, sensitivity: str) -> object:
    return SimpleNamespace(kind=kind, media_type=media_type, sensitivity=sensitivity)


@pytest.mark.parametrize(
    ("item", "graphic_area", "hidden"),
    [
        (_ev("file", "image/png", "none"), False, True),  # every image starts blurred
        (_ev("file", "video/mp4", "none"), False, True),
        (_ev("file", "application/pdf", "none"), False, False),
        (_ev("file", "application/pdf", "sensitive"), False, True),
        (_ev("text", None, "none"), False, False),
        (_ev("text", None, "graphic"), False, True),
        (_ev("text", None, "none"), True, True),  # a graphic harm area hides all of its text
    ],
)
def test_what_starts_hidden(item: object, graphic_area: bool, hidden: bool) -> None:
    assert starts_hidden(item, graphic_area=graphic_area) is hidden  # type: ignore[arg-type]


def test_times_read_in_the_readers_zone_with_utc_for_machines_and_on_hover() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from watchfloor.web.display import in_zone, when_markup

    winter = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert str(when_markup(winter, berlin, winter)) == (
        '<time datetime="2026-12-07T08:30:00Z" title="2026-12-07 08:30 UTC">07 Dec 09:30 CET</time>'
    )
    summer = datetime(2026, 7, 1, 23, 15, tzinfo=UTC)
    assert in_zone(summer, berlin, winter) == "02 Jul 01:15 CEST"  # the next day there
    assert in_zone(summer, None, winter) == "01 Jul 23:15 UTC"
    assert in_zone(summer, berlin, datetime(2027, 1, 2, tzinfo=UTC)) == "02 Jul 2026 01:15 CEST"
    assert in_zone(summer.replace(tzinfo=None), None, summer) == "01 Jul 23:15 UTC"  # naive is UTC
    assert str(when_markup(None, berlin, winter)) == "\u2014"
