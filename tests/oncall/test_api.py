"""Who is on call through the API, the calendar feed, overrides, and a simulated week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.cli_runner import run_cli
from tests.conftest import Person
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.oncall import service
from watchfloor.oncall.paging import get_or_404
from watchfloor.runtime import Runtime
from watchfloor.worker import run_once


def test_now_and_at_answer_for_every_schedule(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    viewer = make_user("viewer")
    r = client.get("/api/v1/oncall/now?at=2026-01-13T09:30:00Z", headers=viewer.headers)
    assert r.status_code == 200, r.text
    now = {s["schedule"]: s for s in r.json()}
    assert now["safety-primary"]["on_call"] == ["emea.ana"]
    assert now["safety-primary"]["shift"]["layer"] == "emea"
    assert now["safety-secondary"]["on_call"] == ["lead.noah"]
    r = client.get("/api/v1/oncall/now?at=2026-01-14T02:00:00Z", headers=viewer.headers)
    assert {s["schedule"]: s["on_call"] for s in r.json()}["safety-primary"] == ["apac.lee"]
    for bad in ("yesterday", "2026-01-13T09:30:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
        r = client.get(f"/api/v1/oncall/now?at={bad}", headers=viewer.headers)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "at"], r.text


def test_calendar_feed_is_valid_icalendar_behind_a_signed_url(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    # Tuesday 13 January 2026, 09:00 UTC: two hours into Europe's shift (07:00-16:00), so the
    # fetch ten minutes later is still inside it, whatever time the test runs at.
    clock.set(datetime(2026, 1, 13, 9, 0, tzinfo=UTC))
    analyst = make_user("analyst")
    assert client.post("/api/v1/oncall/nope/feed", headers=analyst.headers).status_code == 404
    r = client.post("/api/v1/oncall/safety-primary/feed", headers=analyst.headers)
    assert r.status_code == 201
    url = urlsplit(r.json()["url"])
    path = f"{url.path}?{url.query}"
    r = client.get(path + "&weeks=2")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) >= 3 * 13
    for ev in events:
        assert ev["UID"] and ev["DTSTAMP"] and ev["SUMMARY"].startswith("On call: ")
        assert ev.decoded("DTSTART").tzinfo is not None
        assert ev.decoded("DTEND") > ev.decoded("DTSTART")
    assert len({str(ev["UID"]) for ev in events}) == len(events)
    # Fetched again ten minutes later: the shift under way keeps its real start and its UID,
    # so calendar apps update it instead of making it again.
    current = events[0]
    assert current.decoded("DTSTART") == datetime(2026, 1, 13, 7, 0, tzinfo=UTC)
    assert current.decoded("DTSTART") <= clock.now() < current.decoded("DTEND")
    clock.advance(timedelta(minutes=10))
    again = list(Calendar.from_ical(client.get(path + "&weeks=2").content).walk("VEVENT"))
    assert (str(again[0]["UID"]), again[0].decoded("DTSTART")) == (
        str(current["UID"]),
        current.decoded("DTSTART"),
    )
    clock.advance(timedelta(minutes=-10))
    # The token is for this schedule only, cannot be forged, and expires.
    assert client.get(path.replace("safety-primary", "safety-secondary")).status_code == 401
    assert client.get(f"{url.path}?token=x.1.y").status_code == 401
    assert client.get("/api/v1/oncall/safety-primary.ics").status_code == 422
    clock.advance(timedelta(days=181))
    assert client.get(path).status_code == 403


def test_a_personal_feed_lists_ones_own_shifts_on_every_schedule(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    clock.set(datetime(2026, 1, 13, 9, 0, tzinfo=UTC))
    ana, other, lead = make_user("analyst", "emea.ana"), make_user("analyst"), make_user("lead")
    r = client.post("/api/v1/oncall/people/emea.ana/feed", headers=ana.headers)
    assert r.status_code == 201, r.text
    url = urlsplit(r.json()["url"])
    feed = client.get(f"{url.path}?{url.query}&weeks=2")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(feed.content).walk("VEVENT"))
    # Two weeks of Europe's daily shift, shared with emea.ben turn and turn about.
    assert 5 <= len(events) <= 14
    for ev in events:
        assert "emea.ana" in str(ev["SUMMARY"])
        assert str(ev["ATTENDEE"]) == "mailto:ana@example.org"
        assert ev["ATTENDEE"].params["CN"] == "emea.ana"
    # The one under way (09:00 in Dublin) starts at its real start, 07:00.
    assert events[0].decoded("DTSTART") == datetime(2026, 1, 13, 7, 0, tzinfo=UTC)
    # Someone else's calendar is a lead's to get; an unknown person is a 404.
    assert (
        client.post("/api/v1/oncall/people/emea.ana/feed", headers=other.headers).status_code == 403
    )
    assert (
        client.post("/api/v1/oncall/people/emea.ana/feed", headers=lead.headers).status_code == 201
    )
    assert client.post("/api/v1/oncall/people/nobody/feed", headers=lead.headers).status_code == 404
    # The token is for this person's calendar only.
    assert client.get(f"{url.path.replace('emea.ana', 'emea.ben')}?{url.query}").status_code == 401


def test_overrides_change_who_is_on_call_and_are_audited(
    client: TestClient, make_user: Callable[..., Person], db_url: str
) -> None:
    lead, analyst = make_user("lead"), make_user("analyst")
    body = {
        "schedule": "safety-primary",
        "user": "emea.ben",
        "replaces": "emea.ana",
        "start": "2026-01-13T08:00:00Z",
        "end": "2026-01-13T12:00:00Z",
        "reason": "dentist",
    }
    assert (
        client.post("/api/v1/oncall/overrides", json=body, headers=analyst.headers).status_code
        == 403
    )
    bad = client.post(
        "/api/v1/oncall/overrides", json={**body, "schedule": "nope"}, headers=lead.headers
    )
    assert bad.status_code == 404
    bad = client.post(
        "/api/v1/oncall/overrides", json={**body, "end": body["start"]}, headers=lead.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "end"]
    # Nobody could reach a person the configuration does not know, and one cannot replace
    # someone who is not on the rota.
    bad = client.post(
        "/api/v1/oncall/overrides", json={**body, "user": "emea.zoe"}, headers=lead.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "user"]
    assert "unknown person 'emea.zoe'" in bad.json()["detail"]
    bad = client.post(
        "/api/v1/oncall/overrides", json={**body, "replaces": "lead.mia"}, headers=lead.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "replaces"]
    r = client.post("/api/v1/oncall/overrides", json=body, headers=lead.headers)
    assert r.status_code == 201, r.text
    now = client.get("/api/v1/oncall/now?at=2026-01-13T09:00:00Z", headers=analyst.headers)
    assert {s["schedule"]: s["on_call"] for s in now.json()}["safety-primary"] == ["emea.ben"]
    # The CLI sees the override made through the API, as the API does.
    done = run_cli(db_url, "oncall", "now", "--at", "2026-01-13T09:00:00Z")
    assert done.returncode == 0, done.stderr
    assert "safety-primary: emea.ben" in done.stdout.splitlines()
    r2 = client.delete(f"/api/v1/oncall/overrides/{r.json()['id']}", headers=lead.headers)
    assert r2.status_code == 204
    now = client.get("/api/v1/oncall/now?at=2026-01-13T09:00:00Z", headers=analyst.headers)
    assert {s["schedule"]: s["on_call"] for s in now.json()}["safety-primary"] == ["emea.ana"]
    trail = client.get("/api/v1/audit?object_id=safety-primary", headers=lead.headers).json()
    assert [e["action"] for e in trail] == ["oncall.override.deleted", "oncall.override.created"]
    assert client.delete("/api/v1/oncall/overrides/999", headers=lead.headers).status_code == 404


def test_a_simulated_follow_the_sun_week_covers_every_hour_and_pages_each_p0(
    runtime: Runtime, clock: SettableClock
) -> None:
    """Item 7: a week of three regions, run in seconds on the settable clock."""
    start = datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
    clock.set(start)
    config = runtime.config.oncall
    hours = [start + timedelta(hours=h) for h in range(7 * 24)]
    regions = set()
    for at in hours:
        users = service.on_call(None, config, "safety-primary", at)
        assert users, f"nobody on call at {at}"
        regions.add(users[0].split(".")[0])
    assert regions == {"emea", "amer", "apac"}
    week = service.check(None, config, start, start + timedelta(weeks=1))
    assert week["safety-primary"].gaps == []

    paged = []
    for hour in range(0, 7 * 24, 7):  # a P0 every seven hours: every region, every weekday
        clock.set(start + timedelta(hours=hour, minutes=13))
        with session_scope(runtime.sessions) as s:
            expected = service.on_call(s, config, "safety-primary", clock.now())
            page = service.page(
                s,
                clock,
                runtime.pager,
                schedule="safety-primary",
                summary=f"P0 at hour {hour}",
                severity="P0",
                case_key=None,
                dedup_key=f"sim:{hour}",
                actor="system:sim",
            )
            paged.append((page.id, expected))
        run_once(runtime)
    with session_scope(runtime.sessions) as s:
        for page_id, expected in paged:
            page = get_or_404(s, page_id)
            assert page.paged[: len(expected)] == expected
    assert len(paged) == 24
