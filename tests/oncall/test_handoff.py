"""The shift hand-off brief, through the API and the CLI, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.oncall import service as oncall
from watchfloor.oncall.brief import is_unusual
from watchfloor.runtime import Runtime


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "lead", "viewer")}


def send(client: TestClient, who: Person, n: int, text: str) -> dict[str, str]:
    r = client.post("/api/v1/reports", json=report(n, text=text), headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_the_brief_shows_urgent_cases_due_times_pages_and_unusual_volume(
    client: TestClient, clock: SettableClock, people: dict[str, Person], runtime: Runtime
) -> None:
    now = clock.now()
    clock.set(now - timedelta(days=7, minutes=30))
    send(client, people["intake"], 1, "phishing: verify your account here")
    clock.set(now - timedelta(minutes=30))
    for n in range(2, 8):
        send(client, people["intake"], n, "phishing: verify your account here")
    threat = send(client, people["intake"], 20, "he is going to kill her tonight")
    claimed = client.post(
        "/api/v1/queues/life-safety/next", headers=people["analyst"].headers
    ).json()
    crisis = send(client, people["intake"], 21, "my friend says she will kill herself tonight")
    clock.set(now)

    r = client.get("/api/v1/handoff", headers=people["viewer"].headers)
    assert r.status_code == 200, r.text
    brief = r.json()
    urgent = {c["key"]: c for c in brief["urgent_open"]}
    assert urgent[threat["case"]]["assignee"] == people["analyst"].username == claimed["assignee"]
    assert urgent[crisis["case"]]["assignee"] is None
    assert brief["last_handoff_by"] is None
    assert brief["urgent_open_total"] == len(urgent) == 2
    due = [(d["key"], d["clock"]) for d in brief["due_next_shift"]]
    assert (crisis["case"], "first_action") in due  # P0: 15 minutes, overdue already
    states = {(d["key"], d["clock"]): d["state"] for d in brief["due_next_shift"]}
    assert states[(crisis["case"], "first_action")] == "breached"  # said so, not "due"
    assert states[(crisis["case"], "resolution")] == "due"
    # Who takes over on each schedule, now and when the next shift ends.
    on_call = {o["schedule"]: o for o in brief["on_call"]}
    assert set(on_call) == {"safety-primary", "safety-secondary"}
    assert all(o["now"] for o in on_call.values())
    assert due.index((crisis["case"], "first_action")) < len(due) - 1
    volume = {v["harm_area"]: v for v in brief["volume"]}
    assert volume["fraud_scams"] == {
        "harm_area": "fraud_scams",
        "last_hour": 6,
        "same_hour_last_week": 1,
        "unusual": True,
    }
    assert brief["volume"][0]["harm_area"] == "fraud_scams"  # unusual first

    with session_scope(runtime.sessions) as session:
        oncall.page(
            session,
            clock,
            runtime.pager,
            schedule=None,
            summary=f"{crisis['case']} P0 unassigned",
            severity="P0",
            case_key=crisis["case"],
            dedup_key=f"test:{crisis['case']}",
            actor="test",
        )
    pages = client.get("/api/v1/handoff", headers=people["viewer"].headers).json()["pages"]
    assert [(p["severity"], p["state"], p["case"]) for p in pages] == [
        ("P0", "triggered", crisis["case"])
    ]

    clock.advance(timedelta(minutes=5))
    r = client.post(
        "/api/v1/handoff", json={"note": "P0 crisis unassigned"}, headers=people["lead"].headers
    )
    assert r.status_code == 201, r.text
    later = client.get("/api/v1/handoff?shift_hours=4", headers=people["viewer"].headers).json()
    assert later["since"] == r.json()["at"] and later["last_handoff_by"] == people["lead"].username
    # The page came before this hand-off but nobody resolved it: the next shift still sees it.
    [still_open] = later["pages"]
    assert (still_open["case"], still_open["state"]) == (crisis["case"], "triggered")
    assert still_open["key"].startswith("PAGE-")
    clock.advance(timedelta(minutes=1))
    with session_scope(runtime.sessions) as session:
        oncall.page(
            session,
            clock,
            runtime.pager,
            schedule=None,
            summary="second",
            severity="P1",
            case_key=None,
            dedup_key="test:second",
            actor="test",
        )
    newest = client.get("/api/v1/handoff", headers=people["viewer"].headers).json()["pages"]
    assert [p["summary"] for p in newest] == ["second", f"{crisis['case']} P0 unassigned"]
    # Resolved and older than the last hand-off: gone from the brief.
    r = client.post(
        f"/api/v1/pages/{int(still_open['key'].split('-')[1])}/resolve",
        headers=people["lead"].headers,
    )
    assert r.status_code == 200, r.text
    newest = client.get("/api/v1/handoff", headers=people["viewer"].headers).json()["pages"]
    assert [p["summary"] for p in newest] == ["second"]
    bad = client.get("/api/v1/handoff?shift_hours=0", headers=people["viewer"].headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "shift_hours"]
    audit = client.get("/api/v1/audit?action=handoff.recorded", headers=people["lead"].headers)
    assert [e["after"]["note"] for e in audit.json()] == ["P0 crisis unassigned"]


def test_unusual_volume_rule() -> None:
    assert is_unusual(5, 0) and is_unusual(10, 5)
    assert not is_unusual(4, 0)  # too few to mean anything
    assert not is_unusual(9, 5)  # less than double


def test_handoff_cli_prints_the_brief_and_records(db_url: str, people: dict[str, Person]) -> None:
    done = run_cli(db_url, "handoff", "--record", people["lead"].username)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Shift hand-off at ")
    assert "Open P0/P1 (0):" in done.stdout
    assert f"taken by {people['lead'].username}" in done.stdout
    assert "On call (now → when the next shift ends):" in done.stdout
    unknown = run_cli(db_url, "handoff", "--record", "nobody")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no user named 'nobody'"
    # Recording a hand-off is a lead's act, from the CLI as from the API.
    for role in ("analyst", "viewer"):
        refused = run_cli(db_url, "handoff", "--record", people[role].username)
        assert refused.returncode == 1, refused.stdout
        assert refused.stderr.strip() == (
            f"error: {people[role].username} is {role}: only a lead may record a hand-off "
            "(a viewer, analyst or other role may read the brief)"
        )
    listed = run_cli(db_url, "handoff")
    assert listed.returncode == 0 and f"recorded by {people['lead'].username}" in listed.stdout
