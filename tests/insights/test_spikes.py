"""Spikes against the weekly rhythm: a Monday surge is expected, a real jump is flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watchfloor.insights.spikes import BandSettings, SpikeSettings, detect_spikes

SINCE = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def weekly(
    weeks: int, *, extra: dict[datetime, int] | None = None, scale: int = 1
) -> dict[datetime, int]:
    """An area's counts: 20 an hour, 10 at weekends, 60 on Monday 09:00, jitter by the hour;
    all times ``scale``."""
    counts = {}
    for h in range(weeks * 7 * 24):
        at = SINCE + h * HOUR
        base = 10 if at.weekday() >= 5 else 20
        if at.weekday() == 0 and at.hour == 9:
            base = 60
        counts[at] = (base + (h * 7) % 5 - 2) * scale
    for at, n in (extra or {}).items():
        counts[at] += n
    return counts


def test_the_monday_morning_surge_is_not_flagged() -> None:
    monday_nine = SINCE + timedelta(weeks=3, hours=9)
    counts = {"fraud_scams": weekly(4)}

    assert detect_spikes(counts, hour=monday_nine, since=SINCE) == []
    # Against the hour before, as a naive check would compare, it is a tripling.
    assert counts["fraud_scams"][monday_nine] > 2.5 * counts["fraud_scams"][monday_nine - HOUR]


def test_a_planted_spike_is_flagged_with_expected_and_observed() -> None:
    tuesday_ten = SINCE + timedelta(weeks=3, days=1, hours=10)
    counts = {"fraud_scams": weekly(4, extra={tuesday_ten: 64}), "hate": weekly(4)}

    spikes = detect_spikes(counts, hour=tuesday_ten, since=SINCE)

    hourly = [s for s in spikes if s.check == "hour"]
    assert [(s.key, s.direction) for s in hourly] == [("fraud_scams", "above")]
    spike = hourly[0]
    assert spike.observed == weekly(4)[tuesday_ten] + 64
    assert 18 <= spike.expected <= 22
    assert spike.low < spike.expected < spike.high < spike.observed
    assert spike.reason.startswith(f"fraud_scams: {spike.observed} reports 10:00-11:00 UTC Tuesday")
    assert "expected" in spike.reason


def test_a_slow_build_up_is_seen_in_the_day_total() -> None:
    start = SINCE + timedelta(weeks=3, days=2)
    # A few more reports each hour: no hour breaks its band, the day does.
    extra = {start + h * HOUR: 8 for h in range(24)}
    counts = {"harassment": weekly(4, extra=extra)}

    spikes = detect_spikes(counts, hour=start + 23 * HOUR, since=SINCE)

    assert [(s.key, s.check) for s in spikes] == [("harassment", "day")]
    assert spikes[0].observed == sum(weekly(4, extra=extra)[start + h * HOUR] for h in range(24))


def test_without_two_weeks_of_history_nothing_is_judged() -> None:
    hour = SINCE + timedelta(days=10, hours=10)
    counts = {"fraud_scams": weekly(2, extra={hour: 500})}

    assert detect_spikes(counts, hour=hour, since=SINCE) == []


def test_drops_are_flagged_only_when_asked() -> None:
    hour = SINCE + timedelta(weeks=3, days=1, hours=10)
    busy = weekly(4, scale=5)
    counts = {"source in_app": weekly(4, scale=5, extra={hour: -busy[hour]})}

    assert [s for s in detect_spikes(counts, hour=hour, since=SINCE) if s.check == "hour"] == []
    drops = detect_spikes(counts, hour=hour, since=SINCE, settings=SpikeSettings(drops=True))
    assert [(s.check, s.direction, s.observed) for s in drops] == [("hour", "below", 0)]


def quiet(
    weeks: int, per_hour: int, *, extra: dict[datetime, int] | None = None
) -> dict[datetime, int]:
    """A quiet key: ``per_hour`` every hour, give or take one."""
    counts = {SINCE + h * HOUR: per_hour + (h % 3) - 1 for h in range(weeks * 7 * 24)}
    for at, n in (extra or {}).items():
        counts[at] += n
    return counts


def test_a_quiet_key_going_from_two_to_six_is_not_an_alarm() -> None:
    hour = SINCE + timedelta(weeks=3, days=1, hours=10)
    counts = {"source detector:hash-match-v2": quiet(4, 2, extra={hour: 4})}

    assert detect_spikes(counts, hour=hour, since=SINCE) == []


def test_a_quiet_key_jumping_sevenfold_is_flagged_against_its_own_small_count() -> None:
    hour = SINCE + timedelta(weeks=3, days=1, hours=10)
    counts = {"source detector:nudity-v9": quiet(4, 2, extra={hour: 12})}

    (spike,) = [s for s in detect_spikes(counts, hour=hour, since=SINCE) if s.check == "hour"]

    assert (spike.observed, spike.expected) == (quiet(4, 2)[hour] + 12, 2)
    assert spike.high < spike.observed
    assert spike.reason.startswith("source detector:nudity-v9: 14 reports 10:00-11:00 UTC")


def test_more_keys_checked_need_a_rarer_count_to_flag() -> None:
    hour = SINCE + timedelta(weeks=3, days=1, hours=10)
    # 20 an hour; 42 is rare for one key but not rare enough among a hundred keys.
    lone = {"hate": weekly(4, extra={hour: 22})}
    crowd = {**lone, **{f"source s{i}": weekly(4) for i in range(99)}}
    settings = SpikeSettings(hourly=BandSettings(alpha=1e-2, dispersion=0.0, min_excess=6))

    assert [s.key for s in detect_spikes(lone, hour=hour, since=SINCE, settings=settings)] == [
        "hate"
    ]
    assert detect_spikes(crowd, hour=hour, since=SINCE, settings=settings) == []


def test_a_jump_spread_over_three_hours_is_seen_in_their_total() -> None:
    start = SINCE + timedelta(weeks=3, days=1, hours=10)
    # Five more each hour on a key of two an hour: under the hourly floor, not over 3 hours.
    extra = {start + h * HOUR: 5 for h in range(3)}
    counts = {"source detector:link-rep-v4": quiet(4, 2, extra=extra)}

    found = [s for h in range(3) for s in detect_spikes(counts, hour=start + h * HOUR, since=SINCE)]

    assert {s.check for s in found} == {"3 hours"}
    spike = found[-1]
    assert (spike.start, spike.end) == (start, start + 3 * HOUR)
    assert spike.observed == sum(quiet(4, 2, extra=extra)[start + h * HOUR] for h in range(3))
    assert "in the 3 h to 13:00 UTC Tuesday" in spike.reason


def test_an_hour_that_swung_from_week_to_week_takes_its_own_spread() -> None:
    """A quiet key whose same hour went 5, 0, 0 in past weeks: the median says 0, but 9 is what
    its own history allows. The same 9 after a steady 0, 0, 0 is still a spike."""
    hour = SINCE + timedelta(weeks=3, days=1, hours=23)

    def quiet(past: list[int], now: int) -> dict[datetime, int]:
        counts = {hour - (k + 1) * timedelta(weeks=1): n for k, n in enumerate(past)}
        return {**counts, hour: now}

    erratic = detect_spikes({"legal": quiet([0, 0, 5], 9)}, hour=hour, since=SINCE)
    steady = detect_spikes({"legal": quiet([0, 0, 0], 9)}, hour=hour, since=SINCE)

    assert [s for s in erratic if s.check == "hour"] == []
    assert [(s.key, s.check, s.observed) for s in steady if s.check == "hour"] == [
        ("legal", "hour", 9)
    ]
