"""Business-time arithmetic (pure): round trips, pauses, calendars, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from watchfloor.sla.clocks import (
    ALWAYS,
    Calendar,
    add,
    add_each,
    business_time,
    merge,
    parse_window,
)

OFFICE = (parse_window("09:00-17:30"),)
DUBLIN = Calendar(
    "eu-office",
    ZoneInfo("Europe/Dublin"),
    (OFFICE,) * 5 + ((), ()),
    frozenset({date(2026, 3, 17), date(2026, 12, 25)}),
)
# Open around the clock, but counted in New York wall time: must equal real elapsed time.
NY_ALL_DAY = Calendar(
    "ny-all-day", ZoneInfo("America/New_York"), ((parse_window("00:00-24:00"),),) * 7
)
# Split shifts on some days in Sydney (DST in the southern hemisphere).
SYDNEY = Calendar(
    "syd",
    ZoneInfo("Australia/Sydney"),
    (
        (parse_window("01:30-03:30"), parse_window("08:00-12:00")),
        (),
        (parse_window("22:00-24:00"),),
        (),
        (parse_window("02:00-02:45"),),
        (),
        (parse_window("00:00-24:00"),),
    ),
)
CALENDARS = st.sampled_from([ALWAYS, DUBLIN, NY_ALL_DAY, SYDNEY])
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
amounts = st.integers(min_value=0, max_value=30 * 86400).map(lambda s: timedelta(seconds=s))
pause_lists = st.lists(
    st.tuples(instants, st.integers(1, 5 * 86400)).map(
        lambda p: (p[0], p[0] + timedelta(seconds=p[1]))
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(CALENDARS, instants, amounts, pause_lists)
def test_adding_then_measuring_round_trips(cal: Calendar, start, amount, pauses) -> None:  # type: ignore[no-untyped-def]
    due = add(cal, start, amount, pauses)
    assert due >= start
    assert business_time(cal, start, due, pauses) == amount
    if amount:  # and it is the earliest such instant
        assert business_time(cal, start, due - timedelta(microseconds=1), pauses) < amount


@settings(max_examples=300, deadline=None)
@given(CALENDARS, instants, amounts, pause_lists)
def test_pauses_only_ever_push_due_times_later(cal: Calendar, start, amount, pauses) -> None:  # type: ignore[no-untyped-def]
    assert add(cal, start, amount, pauses) >= add(cal, start, amount)
    assert business_time(cal, start, start + amount, pauses) <= business_time(
        cal, start, start + amount
    )


@settings(max_examples=200, deadline=None)
@given(instants, amounts, pause_lists)
def test_always_open_and_all_day_calendars_equal_wall_clock(start, amount, pauses) -> None:  # type: ignore[no-untyped-def]
    assert add(ALWAYS, start, amount) == start + amount
    assert business_time(ALWAYS, start, start + amount) == amount
    # Counting 00:00-24:00 in a zone with DST changes adds no hour and loses none.
    assert add(NY_ALL_DAY, start, amount) == start + amount
    assert add(NY_ALL_DAY, start, amount, pauses) == add(ALWAYS, start, amount, pauses)


@given(instants, amounts, amounts)
def test_measuring_is_additive(start, a, b) -> None:  # type: ignore[no-untyped-def]
    middle = add(DUBLIN, start, a)
    end = add(DUBLIN, middle, b)
    assert business_time(DUBLIN, start, end) == a + b


def test_office_hours_keep_local_time_across_dst() -> None:
    # Ireland moves to summer time on Sunday 29 March 2026: Monday's 09:00 is 08:00 UTC.
    friday_evening = datetime(2026, 3, 27, 17, 0, tzinfo=UTC)
    due = add(DUBLIN, friday_evening, timedelta(hours=1))
    # Friday 17:00-17:30 GMT is half an hour; the other half runs from 09:00 IST (08:00 UTC).
    assert due == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
    week = business_time(
        DUBLIN, datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC)
    )
    assert week == timedelta(hours=8.5 * 10)
    # New York falls back on 1 November 2026: that local day has 25 hours.
    day = business_time(
        NY_ALL_DAY,
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # local midnight, EDT
        datetime(2026, 11, 2, 5, 0, tzinfo=UTC),  # next local midnight, EST
    )
    assert day == timedelta(hours=25)


def test_holidays_and_weekends_do_not_count() -> None:
    # 17 March 2026 (a Tuesday) is a holiday: the hours of Monday evening resume Wednesday.
    monday = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)
    assert add(DUBLIN, monday, timedelta(hours=1)) == datetime(2026, 3, 18, 9, 30, tzinfo=UTC)
    assert business_time(
        DUBLIN, datetime(2026, 3, 17, tzinfo=UTC), datetime(2026, 3, 18, tzinfo=UTC)
    ) == timedelta(0)
    saturday = datetime(2026, 1, 3, 12, 0, tzinfo=UTC)
    assert add(DUBLIN, saturday, timedelta(minutes=1)) == datetime(2026, 1, 5, 9, 1, tzinfo=UTC)


def test_a_pause_moves_the_due_time_by_the_paused_clock_time() -> None:
    start = datetime(2026, 5, 5, 10, 0, tzinfo=UTC)
    pause = (start + timedelta(hours=1), start + timedelta(hours=3))
    assert add(ALWAYS, start, timedelta(hours=4), [pause]) == start + timedelta(hours=6)
    assert merge([pause, pause, (start, start)]) == [pause]


def test_bad_windows_are_refused() -> None:
    for text in ("9-5", "17:00-09:00", "25:00-26:00", "09:60-10:00", "24:00-24:00"):
        try:
            parse_window(text)
        except ValueError as exc:
            assert text in str(exc)
        else:
            raise AssertionError(f"{text} accepted")


@settings(max_examples=300, deadline=None)
@given(CALENDARS, instants, st.lists(amounts, max_size=5))
def test_adding_several_amounts_at_once_is_adding_each(cal: Calendar, start, several) -> None:  # type: ignore[no-untyped-def]
    assert add_each(cal, start, several) == [add(cal, start, a) for a in several]
