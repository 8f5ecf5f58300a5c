"""SLA clocks through the API: pauses, reopen, business hours, warnings, breach escalation."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from tests.receiver import webhook_receiver
from watchfloor.app import create_app
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.notify.models import Delivery, OutboxEvent
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings
from watchfloor.sla import flows as sla_flows
from watchfloor.sla.calendars import holidays_running_out
from watchfloor.sla.policy import load_sla
from watchfloor.worker import run_once

ROOT_CONFIG = Path(__file__).resolve().parents[2] / "config"
PHISHING = "phishing: verify your account here"
DECISION = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "Phishing links sent to many users, confirmed against the policy.",
    "actions": [{"kind": "remove_content"}],
}


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "admin", "lead")}


def open_case(client: TestClient, people: dict[str, Person], n: int = 1) -> dict[str, Any]:
    r = client.post(
        "/api/v1/reports", json=report(n, text=PHISHING), headers=people["intake"].headers
    )
    assert r.status_code in (200, 201), r.text
    return get(client, people, r.json()["case"])


def get(client: TestClient, people: dict[str, Person], key: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{key}", headers=people["lead"].headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def move(client: TestClient, people: dict[str, Person], key: str, action: str) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": action},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def audit(client: TestClient, people: dict[str, Person], key: str, action: str) -> list[Any]:
    r = client.get(
        "/api/v1/audit", params={"object_id": key, "action": action}, headers=people["lead"].headers
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def pages_for(client: TestClient, people: dict[str, Person], key: str) -> list[Any]:
    """The pages on-call opened for this case (their audit events name the case)."""
    r = client.get(
        "/api/v1/audit", params={"action": "page.triggered"}, headers=people["lead"].headers
    )
    assert r.status_code == 200, r.text
    return [e for e in r.json() if e["after"]["case"] == key]


def sweep(runtime: Runtime) -> int:
    return sla_flows.sweep_once(
        runtime.sessions, runtime.clock, runtime.pager, sla=runtime.config.sla
    )


def test_every_case_shows_its_clocks(
    client: TestClient, clock: SettableClock, people: dict[str, Person]
) -> None:
    case = open_case(client, people)
    assert case["priority"] == "P2"
    opened = at(case["created_at"])
    sla = case["sla"]
    assert at(sla["first_action"]["due_at"]) == opened + timedelta(hours=8)
    assert at(sla["first_action"]["warn_at"]) == opened + timedelta(hours=6)
    assert at(sla["resolution"]["due_at"]) == opened + timedelta(hours=72)
    assert sla["first_action"]["state"] == "ok"
    assert sla["first_action"]["remaining_seconds"] == 8 * 3600
    assert at(case["first_action_due_at"]) == opened + timedelta(hours=8)  # claim ordering
    clock.advance(timedelta(hours=9))
    listed = client.get("/api/v1/cases", headers=people["lead"].headers).json()["cases"][0]
    assert listed["sla"]["first_action"]["state"] == "breached"
    assert listed["sla"]["first_action"]["remaining_seconds"] == -3600
    r = client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
    assert r.json()["sla"]["first_action"]["state"] == "breached"  # acted on late


def test_pending_info_pauses_and_resumes_the_clock(
    client: TestClient, clock: SettableClock, people: dict[str, Person]
) -> None:
    key = open_case(client, people)["key"]
    client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
    due = at(get(client, people, key)["sla"]["resolution"]["due_at"])
    clock.advance(timedelta(hours=1))
    paused = move(client, people, key, "request_info")["sla"]
    assert paused["resolution"]["state"] == "paused"
    assert paused["first_action"]["state"] == "met"
    assert paused["paused_since"] is not None
    clock.advance(timedelta(hours=100))  # long past the original due time: no breach
    frozen = get(client, people, key)["sla"]["resolution"]
    assert frozen["state"] == "paused" and frozen["remaining_seconds"] == 71 * 3600
    assert sweep(clientless_runtime(client)) == 0
    resumed = move(client, people, key, "info_received")["sla"]
    assert at(resumed["resolution"]["due_at"]) == due + timedelta(hours=100)
    assert resumed["resolution"]["state"] == "ok"
    assert resumed["resolution"]["remaining_seconds"] == 71 * 3600
    assert resumed["paused_since"] is None and resumed["paused_seconds"] == 100 * 3600
    [event] = audit(client, people, key, "case.info_received")
    assert event["after"]["sla_resumed"]["paused_seconds"] == 100 * 3600


def clientless_runtime(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def test_reopen_resumes_the_resolution_clock(
    client: TestClient, clock: SettableClock, people: dict[str, Person]
) -> None:
    key = open_case(client, people)["key"]
    client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
    due = at(get(client, people, key)["sla"]["resolution"]["due_at"])
    clock.advance(timedelta(hours=2))
    r = client.post(
        f"/api/v1/cases/{key}/decision", json=DECISION, headers=people["analyst"].headers
    )
    assert r.status_code == 201, r.text
    done = r.json()["sla"]["resolution"]
    assert done["state"] == "met" and done["remaining_seconds"] == 70 * 3600
    clock.advance(timedelta(days=30))
    assert get(client, people, key)["sla"]["resolution"]["state"] == "met"
    reopened = move(client, people, key, "reopen")["sla"]["resolution"]
    assert reopened["state"] == "ok"
    assert at(reopened["due_at"]) == due + timedelta(days=30)
    assert reopened["remaining_seconds"] == 70 * 3600


def test_warning_then_breach_escalates_once_each(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    with webhook_receiver() as hook:
        r = client.post(
            "/api/v1/webhooks",
            json={"name": "sla", "url": hook.url},
            headers=people["admin"].headers,
        )
        hook.secret = r.json()["secret"]
        # Start 80 h back, so the clock is near real time again when the worker delivers at
        # the end (the receiver checks signature timestamps as the standard says).
        clock.set(clock.now() - timedelta(hours=80))
        case = open_case(client, people)
        key = case["key"]
        clock.advance(timedelta(hours=6) - timedelta(seconds=1))
        assert sweep(runtime) == 0
        clock.advance(timedelta(seconds=1))  # 75 % of the 8 h first-action target
        assert sweep(runtime) == 1
        assert sweep(runtime) == 0  # idempotent
        shown = get(client, people, key)
        assert shown["sla"]["first_action"]["state"] == "warning"
        [warning] = audit(client, people, key, "sla.warning")
        assert warning["after"]["clock"] == "first_action" and warning["after"]["fraction"] == 0.75

        clock.advance(timedelta(hours=2))
        assert sweep(runtime) == 1
        assert sweep(runtime) == 0
        shown = get(client, people, key)
        # A breach says so and orders; it never relabels: a P2 fraud case stays a P2 fraud case
        # in the fraud queue, with its deadlines where they were.
        assert (shown["harm_area"], shown["priority"], shown["queue"]) == (
            case["harm_area"],
            "P2",
            case["queue"],
        )
        assert shown["reasons"][0] == "escalated: first-action breach"
        assert shown["sla"]["first_action"]["state"] == "breached"
        assert shown["sla"]["first_action"]["breached_at"] is not None
        assert shown["sla"]["resolution"]["due_at"] == case["sla"]["resolution"]["due_at"]
        [breach] = audit(client, people, key, "sla.breached")
        assert breach["before"]["priority"] == breach["after"]["priority"] == "P2"
        assert breach["after"]["reason"] == "escalated: first-action breach"
        assert audit(client, people, key, "sla.shift_lead_notified")
        assert not pages_for(client, people, key)  # it breached as a P2: no page

        # The resolution clock breaches too: still P2, both reasons shown once each, no page.
        clock.advance(timedelta(hours=72))
        assert run_once(runtime) >= 1  # the worker's sla-sweep job
        assert sweep(runtime) == 0
        shown = get(client, people, key)
        assert (shown["priority"], shown["queue"]) == ("P2", case["queue"])
        assert shown["sla"]["resolution"]["state"] == "breached"
        assert shown["reasons"][:2] == [
            "escalated: resolution breach",
            "escalated: first-action breach",
        ]
        assert not pages_for(client, people, key)
        while run_once(runtime):
            pass
        with session_scope(runtime.sessions) as session:
            events = session.execute(
                select(OutboxEvent.event_type, OutboxEvent.payload).order_by(OutboxEvent.id)
            ).all()
            delivered = session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status == "delivered")
            )
        mine = [
            t
            for t, p in events
            if key in (p.get("case", {}).get("key"), (p.get("page") or {}).get("case"))
        ]
        assert mine == [
            "sla.warning",
            "sla.breached",
            "sla.escalated",
            "sla.breached",
            "sla.escalated",
        ]
        received = [p["type"] for p in hook.received]
        assert sorted(received) == sorted(mine) and hook.bad_signatures == 0
        assert delivered == len(mine)
        # The sweep found the resolution clock already past due: a breach, not a stale warning.
        assert len(audit(client, people, key, "sla.warning")) == 1


THREAT = "He keeps posting that someone should beat me up after school"


def test_a_p1_breach_pages_once_and_the_case_keeps_its_lane(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    r = client.post(
        "/api/v1/reports", json=report(7, text=THREAT), headers=people["intake"].headers
    )
    assert r.status_code == 201, r.text
    case = get(client, people, r.json()["case"])
    assert (case["harm_area"], case["priority"]) == ("violence_threats", "P1"), case["reasons"]
    clock.set(at(case["sla"]["first_action"]["due_at"]) + timedelta(seconds=1))
    assert sweep(runtime) == 1
    shown = get(client, people, case["key"])
    assert (shown["harm_area"], shown["priority"], shown["queue"]) == (
        "violence_threats",
        "P1",
        case["queue"],
    )
    assert shown["reasons"][0] == "escalated: first-action breach"
    [page] = pages_for(client, people, case["key"])
    assert page["after"]["severity"] == "P1"
    assert page["after"]["dedup_key"] == f"sla-breach:{case['key']}:first_action"
    assert sweep(runtime) == 0 and len(pages_for(client, people, case["key"])) == 1
    # Breached, it is the first case an analyst gets, ahead of a fresh case of its priority.
    fresh = client.post(
        "/api/v1/reports", json=report(8, text=THREAT), headers=people["intake"].headers
    )
    assert fresh.json()["case"] != case["key"]
    r = client.post("/api/v1/next", headers=people["analyst"].headers)
    assert r.status_code == 200, r.text
    assert r.json()["key"] == case["key"]


def test_deciding_a_case_resolves_its_acknowledged_pages(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    keys = []
    for n in (11, 12):
        r = client.post(
            "/api/v1/reports", json=report(n, text=THREAT), headers=people["intake"].headers
        )
        keys.append(r.json()["case"])
    acked_case, other_case = keys
    due = at(get(client, people, acked_case)["sla"]["first_action"]["due_at"])
    clock.set(max(due, at(get(client, people, other_case)["sla"]["first_action"]["due_at"])))
    clock.advance(timedelta(seconds=1))
    assert sweep(runtime) == 2  # both breach as P1: two pages
    pages = client.get("/api/v1/pages", headers=people["lead"].headers).json()
    by_case = {p["case_key"]: p for p in pages}
    r = client.post(
        f"/api/v1/pages/{by_case[acked_case]['id']}/acknowledge", headers=people["lead"].headers
    )
    assert r.status_code == 200, r.text
    decision = {
        "policy_id": "VT-THREAT",
        "violation": True,
        "rationale": "A credible threat of violence against the reporter, removed.",
        "actions": [{"kind": "remove_content"}],
    }
    for key in keys:
        r = client.post(
            f"/api/v1/cases/{key}/decision", json=decision, headers=people["analyst"].headers
        )
        assert r.status_code == 201, r.text
    states = {
        p["case_key"]: (p["state"], p["resolved_by"])
        for p in client.get("/api/v1/pages", headers=people["lead"].headers).json()
    }
    # Someone had it and the work is done: resolved, by the analyst who decided the case.
    assert states[acked_case] == ("resolved", f"user:{people['analyst'].username}")
    # Nobody acknowledged the other page: it stays open, and goes on escalating.
    assert states[other_case][0] == "triggered"


def test_a_resume_moves_deadlines_by_the_pause_only(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    """Due times once set move only by the time the clock was paused: a resume never recomputes
    them from the case's priority (a case raised by a more urgent report, or breached, keeps the
    deadlines it had)."""
    key = open_case(client, people)["key"]
    client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
    # A deadline set apart from the priority's targets (as an explicit recompute or a more
    # urgent report joining leaves it): 5 h for first action, 20 h for resolution.
    opened = get(client, people, key)
    start = at(opened["created_at"])
    with session_scope(runtime.sessions) as session:
        from watchfloor.cases import service as cases

        row = cases.get_or_raise(session, key=key, for_update=True)
        row.resolve_due_at = start + timedelta(hours=20)
        row.resolve_warn_at = start + timedelta(hours=15)
    clock.set(start + timedelta(hours=2))
    move(client, people, key, "request_info")
    clock.advance(timedelta(hours=3))
    resumed = move(client, people, key, "info_received")["sla"]["resolution"]
    assert at(resumed["due_at"]) == start + timedelta(hours=23)
    assert at(resumed["warn_at"]) == start + timedelta(hours=18)
    [event] = audit(client, people, key, "case.info_received")
    assert event["after"]["sla_resumed"]["paused_seconds"] == 3 * 3600


def test_office_hours_calendar_moves_a_friday_evening_case_to_monday(
    settings: Settings, tmp_path: Path, make_user: Callable[..., Person], runtime: Runtime
) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(ROOT_CONFIG, conf, ignore=shutil.ignore_patterns("datasets"))
    text = (conf / "sla.yaml").read_text()
    (conf / "sla.yaml").write_text(
        text.replace("harm_areas:\n", "harm_areas:\n  fraud_scams:\n    calendar: eu-office\n", 1)
    )
    friday = SettableClock(datetime(2026, 1, 9, 18, 0, tzinfo=UTC))  # Dublin is on UTC in winter
    office = Runtime.create(settings.model_copy(update={"config_dir": conf}), clock=friday)
    people = {r: make_user(r) for r in ("intake", "analyst", "lead")}
    try:
        with TestClient(create_app(office), raise_server_exceptions=False) as client:
            case = open_case(client, people)
            sla = case["sla"]
            # 8 office hours from Monday 09:00 end Monday 17:00; 72 (8.5 a day) end 13:00 Thursday week.
            assert at(sla["first_action"]["due_at"]) == datetime(2026, 1, 12, 17, 0, tzinfo=UTC)
            assert at(sla["first_action"]["warn_at"]) == datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
            assert at(sla["resolution"]["due_at"]) == datetime(2026, 1, 22, 13, 0, tzinfo=UTC)
            friday.set(datetime(2026, 1, 12, 8, 59, tzinfo=UTC))  # the weekend did not count
            assert get(client, people, case["key"])["sla"]["first_action"]["state"] == "ok"
            assert sweep(office) == 0
    finally:
        office.engine.dispose()


@pytest.fixture
def bad_config(tmp_path: Path) -> Iterator[Path]:
    conf = tmp_path / "conf"
    shutil.copytree(ROOT_CONFIG, conf, ignore=shutil.ignore_patterns("datasets"))
    yield conf


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "Europe/Dublin",
            "Europe/Atlantis",
            "calendars.eu-office.time_zone: Value error, unknown time zone 'Europe/Atlantis'",
        ),
        (
            'mon: "09:00-17:30", tue',
            'mon: "09:00-17:70", tue',
            "calendars.eu-office.hours.mon: Value error, '09:00-17:70' is not a window",
        ),
        (
            "    calendar: eu-office",
            "    calendar: moon-office",
            "harm_areas.privacy.calendar: Value error, unknown calendar 'moon-office'",
        ),
        (
            "  spam_manipulation:",
            "  lizards:",
            "harm_areas.lizards.[key]: Value error, unknown harm area 'lizards'",
        ),
        (
            "warning_fraction: 0.75",
            "warning_fraction: 1.5",
            "warning_fraction: Input should be less than 1",
        ),
        (
            "  page_schedule: null",
            "  raise_priority: true",
            "escalation.raise_priority: Value error, no longer supported: a breach keeps the "
            "case's priority",
        ),
    ],
)
def test_bad_sla_config_names_file_line_and_field(
    db_url: str, bad_config: Path, replace: str, by: str, expected: str
) -> None:
    path = bad_config / "sla.yaml"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if by in row)
    done = run_cli(db_url, "config", "check", WATCHFLOOR_CONFIG_DIR=str(bad_config))
    assert done.returncode == 2, done.stdout
    assert f"{path}:{line}: {expected}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_worker_lists_the_sweep(db_url: str) -> None:
    done = run_cli(db_url, "worker", "--list")
    assert done.returncode == 0 and "sla-sweep" in done.stdout


def test_the_shipped_calendars_list_the_next_two_years_of_holidays() -> None:
    sla = load_sla(ROOT_CONFIG)
    assert sla.calendars  # the office calendars privacy and legal clocks run on
    for name, cal in sla.calendars.items():
        years = {d.year for d in cal.holidays}
        assert {2026, 2027, 2028} <= years, name
        # Each year's list is whole, not a stray date or two.
        for year in (2027, 2028):
            assert sum(d.year == year for d in cal.holidays) >= 5, (name, year)
    dublin = sla.calendars["eu-office"].holidays
    # Ireland: Saint Brigid's Day, and the Monday and Tuesday off for a weekend Christmas.
    assert {date(2027, 2, 1), date(2027, 12, 27), date(2027, 12, 28)} <= set(dublin)


def test_a_calendar_whose_holidays_run_out_within_90_days_is_warned_about(
    db_url: str, tmp_path: Path
) -> None:
    sla = load_sla(ROOT_CONFIG)
    assert holidays_running_out(sla.calendars, date(2026, 12, 7)) == []
    late = holidays_running_out(sla.calendars, date(2028, 11, 1))
    assert [line.split(":")[1].strip() for line in late] == [
        "calendar eu-office",
        "calendar us-office",
    ]
    assert "its last holiday is 2029-01-01, less than 90 days away" in late[0]
    # A calendar listing no holidays at all is meant so: no warning.
    bare = sla.model_copy(
        update={
            "calendars": {"plain": sla.calendars["eu-office"].model_copy(update={"holidays": []})}
        }
    )
    assert holidays_running_out(bare.calendars, date(2028, 11, 1)) == []
    # Told by `oncall check`, as a warning: coverage decides the exit status.
    done = run_cli(db_url, "oncall", "check", "--from", "2028-11-01T00:00:00Z")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: calendar eu-office: its last holiday is 2029-01-01" in done.stdout
    done = run_cli(db_url, "oncall", "check", "--from", "2026-12-07T00:00:00Z")
    assert done.returncode == 0 and "warning" not in done.stdout


def test_every_event_type_is_in_one_registry_and_subscribable_on_its_own(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    from watchfloor.notify import service as notify
    from watchfloor.notify.events import EVENT_TYPES, UnknownEventType
    from watchfloor.notify.models import OutboxEmail

    listed = client.get("/api/v1/webhooks/event-types", headers=people["admin"].headers)
    assert listed.status_code == 200, listed.text
    assert [e["type"] for e in listed.json()] == list(EVENT_TYPES)
    assert all(e["description"] for e in listed.json())
    # Each can be subscribed to alone (sla.* were refused with 422).
    for n, event_type in enumerate(EVENT_TYPES):
        r = client.post(
            "/api/v1/webhooks",
            json={
                "name": f"only-{n}",
                "url": f"https://hooks.example.com/{n}",
                "event_types": [event_type],
            },
            headers=people["admin"].headers,
        )
        assert r.status_code == 201, (event_type, r.text)
    r = client.post(
        "/api/v1/webhooks",
        json={"name": "bogus", "url": "https://hooks.example.com/x", "event_types": ["sla.bogus"]},
        headers=people["admin"].headers,
    )
    assert r.status_code == 422
    # Nothing is sent under a type the registry does not hold.
    with session_scope(runtime.sessions) as session, pytest.raises(UnknownEventType):
        notify.enqueue(session, clock, event_type="sla.bogus", data={})

    # A breach reaches the shift lead by email too, not only as sla.escalated.
    case = open_case(client, people)
    clock.set(at(case["sla"]["first_action"]["due_at"]) + timedelta(seconds=1))
    assert sweep(runtime) == 1
    [escalated] = audit(client, people, case["key"], "sla.shift_lead_notified")
    leads = escalated["after"]["shift_leads"]
    assert leads, escalated
    addresses = [runtime.config.oncall.people[lead].email for lead in leads]
    with session_scope(runtime.sessions) as session:
        mail = session.execute(select(OutboxEmail.to, OutboxEmail.subject)).all()
    assert sorted(to for to, _ in mail) == sorted(addresses)
    assert all(f"{case['key']} breached its first-action SLA" in subject for _, subject in mail)
