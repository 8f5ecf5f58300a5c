"""Legal clock maths (pure) on the shipped obligations: calendar months, extensions, pauses,
renewals, holds, windows, states and the soonest-first order. Fixed datetimes throughout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchfloor.compliance.clocks.legal_clocks import (
    ClockRefused,
    History,
    Pause,
    due_at,
    notice_deadline,
    read,
    soonest_first,
)
from watchfloor.compliance.clocks.obligations import Obligation, load_obligations

CONFIG = load_obligations(Path(__file__).resolve().parents[2] / "config")
GDPR = CONFIG.get("gdpr_12_3_request")
BREACH = CONFIG.get("gdpr_33_breach")
NCII = CONFIG.get("us_take_it_down_removal")
PRESERVE = CONFIG.get("us_2703f_preservation")
EPOC = CONFIG.get("eu_epoc_production")
EPOC_URGENT = CONFIG.get("eu_epoc_emergency")
EPOC_PR = CONFIG.get("eu_epoc_pr_preservation")
NONE = History()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(
    ob: Obligation, start: datetime, history: History = NONE, now: datetime | None = None
) -> datetime | None:
    return due_at(ob, start, history, now or start)


# --- GDPR Art. 12(3): calendar months ------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (utc(2026, 3, 15, 10, 0), utc(2026, 4, 15, 10, 0)),
        (utc(2026, 1, 31, 9, 30), utc(2026, 2, 28, 9, 30)),  # no 31 February: the month's end
        (utc(2028, 1, 31, 9, 30), utc(2028, 2, 29, 9, 30)),  # leap year
        (utc(2028, 2, 29, 9, 30), utc(2028, 3, 29, 9, 30)),
        (utc(2026, 3, 31, 9, 30), utc(2026, 4, 30, 9, 30)),
        (utc(2026, 12, 31, 23, 0), utc(2027, 1, 31, 23, 0)),  # across the year
    ],
)
def test_a_data_subject_request_is_due_one_calendar_month_after_receipt(
    received: datetime, expected: datetime
) -> None:
    assert due(GDPR, received) == expected


def test_a_month_counts_on_the_calendar_of_the_zone_the_request_was_received_in() -> None:
    berlin = datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # 22:30 UTC
    assert due(GDPR, berlin) == utc(2026, 2, 28, 22, 30)


def test_an_extension_noticed_in_the_first_month_makes_it_three_months_from_receipt() -> None:
    received = utc(2026, 1, 31, 9, 0)
    assert notice_deadline(GDPR, received, NONE, received) == utc(2026, 2, 28, 9, 0)
    on_the_last_moment = History(extended_at=utc(2026, 2, 28, 9, 0))
    assert due(GDPR, received, on_the_last_moment) == utc(2026, 4, 30, 9, 0)
    reading = read(GDPR, received, on_the_last_moment, utc(2026, 3, 15))
    assert reading.state == "running"


def test_an_extension_noticed_after_the_first_month_is_refused() -> None:
    received = utc(2026, 1, 31, 9, 0)
    late = History(extended_at=utc(2026, 2, 28, 9, 1))
    with pytest.raises(ClockRefused, match="extension refused") as caught:
        due(GDPR, received, late)
    assert "closed at 2026-02-28T09:00:00+00:00" in caught.value.message


def test_an_obligation_without_an_extension_rule_refuses_one() -> None:
    with pytest.raises(ClockRefused, match="cannot be extended"):
        due(BREACH, utc(2026, 6, 1), History(extended_at=utc(2026, 6, 2)))


def test_waiting_for_the_requesters_identity_pauses_the_clock_and_resuming_restarts_it() -> None:
    received = utc(2026, 3, 1, 9, 0)
    waiting = Pause("awaiting_requester_identity", utc(2026, 3, 3, 9, 0))
    paused = read(GDPR, received, History(pauses=[waiting]), utc(2026, 3, 5, 9, 0))
    assert paused.state == "paused"
    assert paused.due_at == utc(2026, 4, 3, 9, 0)  # two days paused so far
    resumed = History(pauses=[Pause(waiting.reason, waiting.start, utc(2026, 3, 10, 9, 0))])
    after = read(GDPR, received, resumed, utc(2026, 3, 20))
    assert (after.state, after.due_at) == ("running", utc(2026, 4, 8, 9, 0))
    # The window for the extension notice moves with the pause too.
    assert notice_deadline(GDPR, received, resumed, utc(2026, 3, 20)) == utc(2026, 4, 8, 9, 0)


def test_a_pause_the_law_does_not_allow_is_refused() -> None:
    with pytest.raises(ClockRefused, match="gdpr_33_breach cannot pause"):
        due(
            BREACH,
            utc(2026, 6, 1),
            History(pauses=[Pause("awaiting_requester_identity", utc(2026, 6, 1))]),
        )


def test_a_pause_after_the_due_time_does_not_revive_a_breached_clock() -> None:
    received = utc(2026, 3, 1)
    late_pause = History(pauses=[Pause("awaiting_requester_identity", utc(2026, 4, 5))])
    reading = read(GDPR, received, late_pause, utc(2026, 4, 10))
    assert (reading.state, reading.due_at) == ("breached", utc(2026, 4, 1))


# --- GDPR Art. 33, TAKE IT DOWN, e-Evidence: hours and days are elapsed time -------------------


def test_a_breach_is_notifiable_72_elapsed_hours_after_awareness_across_a_clock_change() -> None:
    dublin = ZoneInfo("Europe/Dublin")
    aware = datetime(2026, 3, 28, 12, 0, tzinfo=dublin)  # GMT; Irish summer time starts 29 March
    assert due(BREACH, aware) == utc(2026, 3, 31, 12, 0)  # 13:00 in Dublin by then
    assert read(BREACH, aware, NONE, utc(2026, 3, 30, 12, 0)).state == "warning"  # 24 h before
    late = read(BREACH, aware, History(done_at=utc(2026, 3, 31, 15, 0)), utc(2026, 4, 1))
    assert (late.state, late.left) == ("met_late", timedelta(hours=-3))


@pytest.mark.parametrize(
    ("now", "done", "state"),
    [
        (utc(2026, 6, 1, 11, 59), None, "running"),
        (utc(2026, 6, 2, 0, 0), None, "warning"),  # 12 h left
        (utc(2026, 6, 2, 12, 0), None, "breached"),
        (utc(2026, 6, 3), utc(2026, 6, 2, 11, 0), "met"),
        (utc(2026, 6, 3), utc(2026, 6, 2, 13, 0), "met_late"),
    ],
)
def test_take_it_down_removal_is_due_within_48_hours(
    now: datetime, done: datetime | None, state: str
) -> None:
    reading = read(NCII, utc(2026, 5, 31, 12, 0), History(done_at=done), now)
    assert reading.due_at == utc(2026, 6, 2, 12, 0)
    assert reading.state == state


def test_an_emergency_production_order_is_due_in_8_hours_an_ordinary_one_in_10_days() -> None:
    received = utc(2026, 9, 4, 22, 0)
    assert due(EPOC_URGENT, received) == utc(2026, 9, 5, 6, 0)
    assert due(EPOC, received) == utc(2026, 9, 14, 22, 0)
    assert EPOC_URGENT.priority is not None and int(EPOC_URGENT.priority) == 0


def test_a_statement_of_reasons_is_due_when_the_restriction_takes_effect() -> None:
    sor = CONFIG.get("dsa_17_statement_of_reasons")
    applied = utc(2026, 7, 1, 8, 0)
    assert read(sor, applied, History(done_at=applied), applied).state == "met"
    assert read(sor, applied, NONE, applied + timedelta(minutes=1)).state == "breached"


def test_legal_process_is_due_on_the_date_it_gives() -> None:
    process = CONFIG.get("us_legal_process")
    served = utc(2026, 7, 1, 15, 0)
    given_date = History(response_due_at=utc(2026, 7, 15, 17, 0))
    reading = read(process, served, given_date, utc(2026, 7, 13, 9, 0))
    assert (reading.due_at, reading.state) == (utc(2026, 7, 15, 17, 0), "warning")
    with pytest.raises(ClockRefused, match="record the response date"):
        due(process, served)


# --- Holds and windows ------------------------------------------------------------------------


def test_a_2703f_preservation_lasts_90_days_and_renews_once_for_90_more() -> None:
    requested = utc(2026, 2, 1, 12, 0)
    assert due(PRESERVE, requested) == utc(2026, 5, 2, 12, 0)
    renewed = History(renewals=[utc(2026, 4, 20)])
    assert due(PRESERVE, requested, renewed) == utc(2026, 7, 31, 12, 0)
    assert read(PRESERVE, requested, renewed, utc(2026, 6, 1)).state == "running"
    assert read(PRESERVE, requested, renewed, utc(2026, 7, 31, 12, 0)).state == "expired"
    with pytest.raises(ClockRefused, match="allows 1 renewal"):
        due(PRESERVE, requested, History(renewals=[utc(2026, 4, 20), utc(2026, 7, 1)]))
    with pytest.raises(ClockRefused, match="after the hold expired at 2026-05-02T12:00"):
        due(PRESERVE, requested, History(renewals=[utc(2026, 5, 3)]))


def test_releasing_a_hold_before_it_expires_is_a_breach_after_it_is_met() -> None:
    requested = utc(2026, 2, 1, 12, 0)
    early = read(PRESERVE, requested, History(done_at=utc(2026, 3, 1)), utc(2026, 3, 2))
    assert early.state == "breached"
    served = read(PRESERVE, requested, History(done_at=utc(2026, 5, 3)), utc(2026, 5, 4))
    assert served.state == "met"


def test_a_preservation_order_extends_by_30_days_or_stays_open_for_a_production_request() -> None:
    received = utc(2026, 9, 1)
    assert due(EPOC_PR, received) == utc(2026, 10, 31)
    assert due(EPOC_PR, received, History(renewals=[utc(2026, 10, 20)])) == utc(2026, 11, 30)
    kept = History(open_ended_at=utc(2026, 10, 1))
    reading = read(EPOC_PR, received, kept, utc(2027, 6, 1))
    assert (reading.due_at, reading.state, reading.left) == (None, "running", None)
    with pytest.raises(ClockRefused, match="came after the hold expired"):
        due(EPOC_PR, received, History(open_ended_at=utc(2026, 11, 2)))


def test_reported_csam_is_preserved_for_one_year() -> None:
    hold = CONFIG.get("us_2258a_preserve")
    assert due(hold, utc(2028, 2, 29, 10, 0)) == utc(2029, 2, 28, 10, 0)


def test_the_appeal_window_closes_six_months_after_the_user_is_told() -> None:
    window = CONFIG.get("dsa_20_appeal_window")
    told = utc(2026, 8, 31, 12, 0)
    assert due(window, told) == utc(2027, 2, 28, 12, 0)
    assert read(window, told, NONE, utc(2027, 2, 28, 11, 59)).state == "running"
    assert read(window, told, NONE, utc(2027, 2, 28, 12, 0)).state == "expired"


# --- Order -----------------------------------------------------------------------------------


def test_open_obligations_are_ordered_soonest_first_and_closed_ones_left_out() -> None:
    now = utc(2026, 9, 10, 12, 0)
    readings = [
        read(GDPR, utc(2026, 9, 1), NONE, now),  # due 1 Oct
        read(EPOC_URGENT, utc(2026, 9, 10, 8, 0), NONE, now),  # due 16:00 today, P0
        read(EPOC, utc(2026, 9, 1, 16, 0), NONE, now),  # due 16:00 on the 11th
        read(NCII, utc(2026, 9, 8, 16, 0), NONE, now),  # due 16:00 today too, no priority
        read(BREACH, utc(2026, 9, 9), History(done_at=utc(2026, 9, 9, 6, 0)), now),  # met
        read(EPOC_PR, utc(2026, 9, 1), History(open_ended_at=utc(2026, 9, 2)), now),  # open-ended
    ]
    order = [r.obligation_id for r in soonest_first(readings)]
    assert order == [
        "eu_epoc_emergency",
        "us_take_it_down_removal",
        "eu_epoc_production",
        "gdpr_12_3_request",
        "eu_epoc_pr_preservation",
    ]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due(BREACH, datetime(2026, 6, 1, 12, 0))


# --- Properties -------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
offsets = st.integers(min_value=0, max_value=200 * 86400).map(lambda s: timedelta(seconds=s))
timed = [o for o in CONFIG.obligations if o.due.set_by != "request"]


@st.composite
def pauses(draw: st.DrawFn, start: datetime) -> list[Pause]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + draw(offsets)
        length = draw(st.integers(1, 20 * 86400))
        out.append(Pause("awaiting_requester_identity", begin, begin + timedelta(seconds=length)))
    return out


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(timed), instants, offsets)
def test_a_due_time_is_never_before_its_start(
    ob: Obligation, start: datetime, later: timedelta
) -> None:
    d = due(ob, start, NONE, start + later)
    assert d is not None and d >= start


@settings(max_examples=300, deadline=None, derandomize=True)
@given(instants, st.data(), offsets)
def test_pausing_never_makes_a_clock_due_sooner(
    start: datetime, data: st.DataObject, later: timedelta
) -> None:
    now = start + later
    paused = History(pauses=data.draw(pauses(start)))
    plain, with_pauses = due(GDPR, start, NONE, now), due(GDPR, start, paused, now)
    assert plain is not None and with_pauses is not None and with_pauses >= plain
    # And never by more than the time actually paused.
    assert with_pauses - plain <= sum(
        (min(p.end or now, now) - p.start for p in paused.pauses if p.start < now), timedelta()
    )


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.sampled_from([o for o in timed if o.kind == "deadline"]),
    instants,
    st.floats(min_value=0, max_value=1),
    offsets,
)
def test_met_before_the_due_time_is_never_breached(
    ob: Obligation, start: datetime, fraction: float, after: timedelta
) -> None:
    d = due(ob, start)
    assert d is not None
    done = start + (d - start) * fraction
    reading = read(ob, start, History(done_at=done), done + after)
    assert reading.state == "met"
    assert reading.left is not None and reading.left >= timedelta()
