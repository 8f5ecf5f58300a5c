"""Rotation arithmetic without a database: hand-offs across DST, layers, exact coverage gaps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchfloor.configfile import load_yaml_model
from watchfloor.errors import ConfigError
from watchfloor.oncall.rotations import (
    Override,
    coverage,
    layer_shifts,
    on_call_at,
    schedule_shifts,
)
from watchfloor.oncall.schedules import Layer, OncallFile, Schedule

ZONES = ["Europe/Dublin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


def follow_the_sun(**extra: Any) -> Schedule:
    """Three regions, each exactly 8 hours in its own zone: seamless in January."""

    def region(name: str, tz: str, start: str, end: str, people: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "participants": people,
            "time_zone": tz,
            "start": f"2026-01-05T{start}",
            "recurrence": "daily",
            "hours": [{"start": start, "end": end}],
        }

    return Schedule.model_validate(
        {
            "title": "follow the sun",
            "layers": [
                region("apac", "Australia/Sydney", "10:00", "18:00", ["kim", "lee"]),
                region("emea", "Europe/Dublin", "07:00", "15:00", ["ana", "ben"]),
                region("amer", "America/New_York", "10:00", "18:00", ["cat", "dan"]),
            ],
            **extra,
        }
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_follow_the_sun_hands_off_round_the_world_without_gaps_in_january() -> None:
    sched = follow_the_sun()
    start = utc(2026, 1, 12)
    cov = coverage(sched, start, start + timedelta(weeks=2))
    assert cov.gaps == [] and cov.overlaps == []
    day = schedule_shifts(sched, utc(2026, 1, 12, 7), utc(2026, 1, 13, 7))
    assert [(s.layer, s.start.hour, s.end.hour) for s in day] == [
        ("emea", 7, 15),
        ("amer", 15, 23),
        ("apac", 23, 7),
    ]


def test_clock_changes_on_different_dates_open_exact_gaps_and_overlaps() -> None:
    # New York moves to EDT on 8 March; Dublin on 29 March; Sydney leaves AEDT on 5 April.
    sched = follow_the_sun()
    cov = coverage(sched, utc(2026, 3, 7), utc(2026, 3, 10))
    assert [(str(g)) for g in cov.gaps] == [
        "2026-03-08T22:00:00Z → 2026-03-08T23:00:00Z",
        "2026-03-09T22:00:00Z → 2026-03-09T23:00:00Z",
    ]
    assert [str(o) for o in cov.overlaps] == [
        "2026-03-08T14:00:00Z → 2026-03-08T15:00:00Z (emea and amer)",
        "2026-03-09T14:00:00Z → 2026-03-09T15:00:00Z (emea and amer)",
    ]
    assert cov.uncovered == timedelta(hours=2)
    # Where two layers overlap, the higher (amer) has the pager.
    assert on_call_at(sched, utc(2026, 3, 9, 14, 30)).layer == "amer"  # type: ignore[union-attr]
    assert (
        coverage(follow_the_sun(allow_overlaps=True), utc(2026, 3, 7), utc(2026, 3, 10)).overlaps
        == []
    )


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    offset_days=st.integers(0, 700),
    people=st.integers(1, 4),
)
def test_a_daily_hand_off_stays_at_its_wall_clock_time_across_dst(
    tz: str, hour: int, offset_days: int, people: int
) -> None:
    layer = Layer.model_validate(
        {
            "name": "l",
            "participants": [f"p{i}" for i in range(people)],
            "time_zone": tz,
            "start": f"2026-01-01T{hour:02d}:00",
            "recurrence": "daily",
        }
    )
    start = utc(2026, 1, 3) + timedelta(days=offset_days)
    shifts = layer_shifts(layer, start, start + timedelta(days=10))
    inner = shifts[1:-1]  # the first and last are clipped to the window
    assert inner
    for s in inner:
        local = s.start.astimezone(layer.tz)
        # A skipped wall time (spring forward) lands an hour later; otherwise exactly on time.
        assert local.hour in (hour, (hour + 1) % 24) and local.minute == 0
        assert s.end - s.start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
    # Contiguous, and people take turns in order.
    for a, b in itertools.pairwise(shifts):
        assert a.end == b.start
        if people > 1:
            assert a.users != b.users
    assert (
        coverage(Schedule(title="t", layers=[layer]), start, start + timedelta(days=10)).gaps == []
    )


@settings(max_examples=40, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 14 * 24 * 60 - 1), min_size=1, max_size=6),
    override_at=st.integers(0, 14 * 24 * 60),
    override_len=st.integers(1, 48 * 60),
)
def test_who_is_on_call_matches_the_shift_list_and_the_gaps(
    minutes: list[int], override_at: int, override_len: int
) -> None:
    sched = follow_the_sun()
    start = utc(2026, 3, 1)
    end = start + timedelta(days=14)
    ov = Override(
        "sub",
        start + timedelta(minutes=override_at),
        start + timedelta(minutes=override_at + override_len),
        replaces="ana",
    )
    shifts = schedule_shifts(sched, start, end, [ov])
    gaps = coverage(sched, start, end, [ov]).gaps
    # Shifts and gaps tile the window exactly.
    spans = sorted([(s.start, s.end) for s in shifts] + [(g.start, g.end) for g in gaps])
    assert spans[0][0] == start and spans[-1][1] == end
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for m in minutes:
        at = start + timedelta(minutes=m)
        shift = on_call_at(sched, at, [ov])
        listed = next((s for s in shifts if s.start <= at < s.end), None)
        assert (shift.users if shift else None) == (listed.users if listed else None)
        if shift and ov.start <= at < ov.end:
            assert "ana" not in shift.users


def test_overrides_replace_one_person_or_take_the_whole_schedule() -> None:
    sched = follow_the_sun()
    at = utc(2026, 1, 13, 9)
    assert on_call_at(sched, at).users == ("ana",)  # type: ignore[union-attr]
    swap = Override("zoe", utc(2026, 1, 13, 8), utc(2026, 1, 13, 10), replaces="ana")
    assert on_call_at(sched, at, [swap]).users == ("zoe",)  # type: ignore[union-attr]
    assert on_call_at(sched, utc(2026, 1, 13, 11), [swap]).users == ("ana",)  # type: ignore[union-attr]
    other = Override("zoe", utc(2026, 1, 13, 8), utc(2026, 1, 13, 10), replaces="ben")
    assert on_call_at(sched, at, [other]).users == ("ana",)  # type: ignore[union-attr]
    everyone = Override("zoe", utc(2026, 3, 8, 21), utc(2026, 3, 9, 0))
    assert coverage(sched, utc(2026, 3, 8), utc(2026, 3, 9), [everyone]).gaps == []


def test_weekly_and_custom_rrule_rotations() -> None:
    weekly = Layer.model_validate(
        {
            "name": "w",
            "participants": ["a", "b"],
            "time_zone": "Europe/Dublin",
            "start": "2026-03-23T09:00",
            "recurrence": "weekly",
        }
    )
    shifts = layer_shifts(weekly, utc(2026, 3, 23, 9), utc(2026, 4, 13, 8))
    assert [s.users for s in shifts] == [("a",), ("b",), ("a",)]
    assert shifts[0].end - shifts[0].start == timedelta(days=7, hours=-1)  # clocks went forward
    custom = Layer.model_validate(
        {
            "name": "c",
            "participants": ["a", "b"],
            "time_zone": "UTC",
            "start": "2026-01-05T09:00",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0",
        }
    )
    shifts = layer_shifts(custom, utc(2026, 1, 5, 9), utc(2026, 1, 12, 9))
    assert [(s.users[0], s.start.day) for s in shifts] == [("a", 5), ("b", 8)]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(text, encoding="utf-8")
    return path


LAYER = """version: 1
schedules:
  s:
    title: S
    layers:
      - name: l
        participants: [a]
        time_zone: {tz}
        start: "2026-01-05T07:00"
        recurrence: "{rec}"
"""


def test_unknown_time_zone_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, LAYER.format(tz="Europe/Dublinn", rec="daily"))
    with pytest.raises(ConfigError) as err:
        load_yaml_model(path, OncallFile)
    assert f"{path}:8: schedules.s.layers.0.time_zone: " in str(err.value)
    assert "unknown time zone 'Europe/Dublinn'" in str(err.value)


@pytest.mark.parametrize(
    ("rec", "why"),
    [
        ("FREQ=FORTNIGHTLY", "not daily, weekly or a valid RRULE"),
        ("FREQ=DAILY;BYHOUR=25", "not daily, weekly or a valid RRULE"),
        ("every tuesday", "not daily, weekly or a valid RRULE"),
        ("FREQ=DAILY;UNTIL=20250101T000000", "no hand-off at or after start"),
        ("FREQ=SECONDLY", "every second"),
    ],
)
def test_invalid_recurrence_names_the_field(tmp_path: Path, rec: str, why: str) -> None:
    path = write(tmp_path, LAYER.format(tz="UTC", rec=rec))
    with pytest.raises(ConfigError) as err:
        load_yaml_model(path, OncallFile)
    assert f"{path}:10: schedules.s.layers.0.recurrence: " in str(err.value)
    assert why in str(err.value)


def test_the_shipped_schedules_cover_every_hour_of_two_years() -> None:
    from watchfloor.oncall.config import load_oncall
    from watchfloor.settings import DEFAULT_CONFIG_DIR

    config = load_oncall(DEFAULT_CONFIG_DIR)
    cov = coverage(config.schedules["safety-primary"], utc(2026, 1, 5, 9), utc(2028, 1, 5))
    assert cov.gaps == []
