"""Incidents through the API, on both databases: declare from cases, roles paged through on-call,
the lifecycle and its metrics, the timeline, tasks, updates to the incident's channels, the
review, and every bad input and race the issue names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.factories import report
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.notify.models import Delivery, OutboxEmail, OutboxEvent
from watchfloor.oncall.models import Page
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "analyst": make_user("analyst", "emea.ana"),
        "other": make_user("analyst", "amer.cat"),
        "lead": make_user("lead", "lead.mia"),
        "legal": make_user("legal", "lee.legal"),
        "viewer": make_user("viewer"),
    }


def threat_cases(client: TestClient, intake: Person, n: int, start: int = 1) -> list[str]:
    keys = []
    for i in range(start, start + n):
        body = report(
            i,
            text="I will shoot up the school on Friday, everyone there will pay",
            subject={"kind": "account", "id": f"acct-{i}"},
            reporter={"kind": "user", "id": f"u-{i}"},
        )
        r = client.post("/api/v1/reports", json=body, headers=intake.headers)
        assert r.status_code == 201, r.text
        keys.append(r.json()["case"])
    return keys


def declare(client: TestClient, who: Person, **body: Any) -> dict[str, Any]:
    payload = {"severity": "SEV1", "title": "Threat against a school", **body}
    r = client.post("/api/v1/incidents", json=payload, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def webhook(client: TestClient, admin: Person, name: str) -> None:
    r = client.post(
        "/api/v1/webhooks",
        json={
            "name": name,
            "url": "https://hooks.example.org/" + name,
            "event_types": ["case.decided"],
        },
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text


def test_declare_from_cases_pages_roles_and_shows_live_cases(
    client: TestClient, runtime: Runtime, people: dict[str, Person], clock: SettableClock
) -> None:
    cases = threat_cases(client, people["intake"], 3)
    clock.advance(timedelta(minutes=12))
    out = declare(
        client,
        people["analyst"],
        cases=cases[:2],
        harm_area="violence_threats",
        roles={"legal": "lee.legal", "scribe": "amer.cat"},
    )
    incident = out["incident"]
    assert incident["key"].startswith("INC-") and len(incident["key"]) == 8
    assert incident["status"] == "active" and incident["commander"] == "emea.ana"
    assert incident["cases"] == 2 and incident["open_cases"] == 2
    assert {c["key"] for c in incident["linked"]} == set(cases[:2])
    assert all(c["status"] in {"new", "triaged"} for c in incident["linked"])
    # SEV1 requires policy and communications too: nobody holds them yet.
    assert incident["missing_roles"] == ["policy", "communications"]
    assert incident["metrics"]["time_to_declare_seconds"] == 12 * 60
    assert len(out["paged"]) == 2  # legal and scribe; the declarer is not paged
    with session_scope(runtime.sessions) as s:
        pages = s.scalars(select(Page).order_by(Page.id)).all()
        assert [p.severity for p in pages] == ["P0", "P0"]
        # The person first; the escalation policy's levels follow if they do not acknowledge.
        assert pages[0].policy["steps"][0]["users"] == ["lee.legal"]
        assert len(pages[0].policy["steps"]) == 4
        assert "needs you as Legal" in pages[0].summary


def test_declaring_twice_from_the_same_case_offers_the_existing_incident(
    client: TestClient, people: dict[str, Person]
) -> None:
    cases = threat_cases(client, people["intake"], 2)
    first = declare(client, people["analyst"], cases=[cases[0]])["incident"]["key"]
    r = client.post(
        "/api/v1/incidents",
        json={"severity": "SEV2", "title": "Same threat", "cases": [cases[1], cases[0]]},
        headers=people["other"].headers,
    )
    assert r.status_code == 409
    assert r.json()["existing"] == first and first in r.json()["detail"]


def test_bad_input_names_the_field(client: TestClient, people: dict[str, Person]) -> None:
    who = people["analyst"].headers
    for body, field in [
        ({"severity": "SEV9", "title": "x"}, "severity"),
        ({"severity": "SEV1", "title": ""}, "title"),
        ({"severity": "SEV1", "title": "x", "harm_area": "nope"}, "harm_area"),
        ({"severity": "SEV1", "title": "x", "cases": ["CASE-999999"]}, "cases"),
        ({"severity": "SEV1", "title": "x", "roles": {"astronaut": "emea.ana"}}, "role"),
        ({"severity": "SEV1", "title": "x", "roles": {"legal": "nobody.here"}}, "user"),
        ({"severity": "SEV1", "title": "x", "channels": {"webhooks": ["ghost"]}}, "webhooks"),
    ]:
        r = client.post("/api/v1/incidents", json=body, headers=who)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text, (field, r.text)
    # A refused declaration leaves nothing behind.
    assert client.get("/api/v1/incidents", headers=who).json() == []
    assert client.get("/api/v1/incidents/INC-0099", headers=who).status_code == 404
    assert client.get("/api/v1/incidents/nonsense", headers=who).status_code == 404
    r = client.post(
        "/api/v1/incidents",
        json={"severity": "SEV1", "title": "x"},
        headers=people["viewer"].headers,
    )
    assert r.status_code == 403


def test_lifecycle_metrics_tasks_and_closing_refused_with_open_tasks(
    client: TestClient, people: dict[str, Person], clock: SettableClock
) -> None:
    cases = threat_cases(client, people["intake"], 1)
    key = declare(client, people["analyst"], cases=cases)["incident"]["key"]
    base = f"/api/v1/incidents/{key}"
    ana = people["analyst"].headers
    due = (clock.now() + timedelta(minutes=30)).isoformat()
    task = client.post(
        f"{base}/tasks",
        json={"title": "Call the school", "owner": "emea.ana", "due_at": due},
        headers=ana,
    )
    assert task.status_code == 201, task.text
    # Someone who is not the commander (nor a lead) may not move the incident.
    r = client.post(f"{base}/status", json={"status": "mitigated"}, headers=people["other"].headers)
    assert r.status_code == 403 and "emea.ana" in r.json()["detail"]
    clock.advance(timedelta(minutes=40))
    room = client.get(base, headers=ana).json()
    assert room["tasks_overdue"] == 1 and room["tasks"][0]["overdue"] is True
    r = client.post(f"{base}/status", json={"status": "mitigated"}, headers=ana)
    assert r.status_code == 200 and r.json()["metrics"]["time_to_mitigate_seconds"] == 40 * 60
    clock.advance(timedelta(hours=1))
    assert (
        client.post(f"{base}/status", json={"status": "resolved"}, headers=ana).status_code == 200
    )
    r = client.post(f"{base}/status", json={"status": "closed"}, headers=ana)
    assert r.status_code == 409
    assert r.json()["open_tasks"][0]["title"] == "Call the school"
    assert "Call the school" in r.json()["detail"]
    tid = task.json()["id"]
    assert (
        client.patch(f"{base}/tasks/{tid}", json={"status": "done"}, headers=ana).json()["status"]
        == "done"
    )
    r = client.post(f"{base}/status", json={"status": "closed"}, headers=ana)
    assert r.status_code == 200, r.text
    assert r.json()["metrics"]["time_to_resolve_seconds"] == 100 * 60
    r = client.post(f"{base}/status", json={"status": "active"}, headers=ana)
    assert r.status_code == 409
    # The closed record refuses changes, but the review's action items may still be added.
    assert (
        client.post(
            f"{base}/timeline", json={"kind": "note", "text": "late"}, headers=ana
        ).status_code
        == 409
    )
    item = client.post(
        f"{base}/tasks", json={"title": "Write the runbook", "action_item": True}, headers=ana
    )
    assert item.status_code == 201


def test_hand_over_of_command_is_explicit_and_logged(
    client: TestClient, people: dict[str, Person]
) -> None:
    key = declare(client, people["analyst"])["incident"]["key"]
    base = f"/api/v1/incidents/{key}"
    r = client.post(
        f"{base}/roles",
        json={"role": "commander", "user": "amer.cat"},
        headers=people["other"].headers,
    )
    assert r.status_code == 403  # only the commander (or a lead) hands command over
    r = client.post(
        f"{base}/roles",
        json={"role": "commander", "user": "amer.cat", "note": "end of shift"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 200 and r.json()["commander"] == "amer.cat"
    lines = client.get(f"{base}/timeline", headers=people["viewer"].headers).json()["entries"]
    handed = [e for e in lines if e["kind"] == "incident.command_handed_over"]
    assert handed and handed[0]["key"] is True and "amer.cat" in handed[0]["text"]
    assert handed[0]["author"] == "user:emea.ana"
    r = client.post(f"{base}/roles", json={"role": "legal"}, headers=people["analyst"].headers)
    assert r.status_code == 422


def test_timeline_merges_case_audit_events_with_entries_and_flags_key(
    client: TestClient, people: dict[str, Person]
) -> None:
    cases = threat_cases(client, people["intake"], 2)
    key = declare(client, people["analyst"], cases=cases[:1])["incident"]["key"]
    base = f"/api/v1/incidents/{key}"
    ana = people["analyst"].headers
    assert (
        client.post(f"{base}/cases", json={"cases": [cases[1]]}, headers=ana).json()["cases"] == 2
    )
    r = client.post(
        f"/api/v1/cases/{cases[1]}/notes", json={"body": "school contacted"}, headers=ana
    )
    assert r.status_code == 201, r.text
    decision = {"kind": "decision", "text": "Refer to police", "basis": "DSA Art. 18"}
    entry = client.post(f"{base}/timeline", json=decision, headers=ana)
    assert entry.status_code == 201, entry.text
    bad = client.post(f"{base}/timeline", json={"kind": "decision", "text": "x"}, headers=ana)
    assert bad.status_code == 422 and "basis" in bad.text
    bad = client.post(f"{base}/timeline", json={"kind": "contact", "text": "x"}, headers=ana)
    assert bad.status_code == 422 and "party" in bad.text
    page = client.get(f"{base}/timeline", headers=ana).json()
    kinds = [e["kind"] for e in page["entries"]]
    assert kinds[0] == "decision" and "case.note" in kinds and "case.opened" in kinds
    objects = {e["object"] for e in page["entries"]}
    assert objects == {key, *cases}
    opened = next(e for e in page["entries"] if e["kind"] == "case.opened")
    assert (
        client.put(
            f"{base}/timeline/{opened['id']}/key", json={"key": True}, headers=ana
        ).status_code
        == 204
    )
    assert (
        client.put(f"{base}/timeline/audit-999999/key", json={"key": True}, headers=ana).status_code
        == 404
    )
    assert (
        client.put(f"{base}/timeline/bogus/key", json={"key": True}, headers=ana).status_code == 422
    )
    # Paging through the timeline two at a time reads every entry once.
    page = client.get(f"{base}/timeline", headers=ana).json()
    seen: list[str] = []
    before = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"before": before} if before else {})}
        got = client.get(f"{base}/timeline", params=params, headers=ana).json()
        seen += [e["id"] for e in got["entries"]]
        before = got["next_before"]
        if before is None:
            break
    assert seen == [e["id"] for e in page["entries"]] and len(seen) == page["total"]
    review = client.get(f"{base}/report", headers=ana).json()
    key_kinds = [e["kind"] for e in review["key_timeline"]]
    # Oldest first: the case was opened before the incident was declared.
    assert key_kinds.index("case.opened") < key_kinds.index("incident.declared")
    assert "decision" not in key_kinds  # not flagged key
    # Unlinking drops the case (its events leave the timeline); the audit log keeps the link.
    assert client.delete(f"{base}/cases/{cases[1]}", headers=ana).status_code == 204
    assert client.delete(f"{base}/cases/{cases[1]}", headers=ana).status_code == 404
    objects = {e["object"] for e in client.get(f"{base}/timeline", headers=ana).json()["entries"]}
    assert cases[1] not in objects


def test_updates_go_to_the_incidents_channels_and_a_missed_cadence_reminds(
    client: TestClient,
    runtime: Runtime,
    people: dict[str, Person],
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    admin = make_user("admin")
    webhook(client, admin, "incident-room")
    webhook(client, admin, "elsewhere")
    key = declare(
        client,
        people["analyst"],
        channels={"webhooks": ["incident-room"], "emails": ["exec@example.org"]},
    )["incident"]["key"]
    base = f"/api/v1/incidents/{key}"
    ana = people["analyst"].headers
    draft = client.post(f"{base}/updates/draft", headers=ana).json()
    assert draft["draft"] is True and draft["source"] == "template" and key in draft["text"]
    assert "{" not in draft["text"]
    sent = client.post(f"{base}/updates", json={"text": draft["text"] + " Edited."}, headers=ana)
    assert sent.status_code == 201, sent.text
    with session_scope(runtime.sessions) as s:
        event = s.scalar(select(OutboxEvent).where(OutboxEvent.event_type == "incident.update"))
        assert event is not None
        endpoints = s.scalars(
            select(Delivery.endpoint_id).where(Delivery.outbox_event_id == event.id)
        ).all()
        assert len(endpoints) == 1  # the incident's receiver only, not every subscriber
        assert "exec@example.org" in s.scalars(select(OutboxEmail.to)).all()
    room = client.get(base, headers=ana).json()
    assert room["updates"][0]["text"].endswith("Edited.") and room["update_overdue"] is False
    # SEV1: every 30 minutes. Past it, the worker reminds once per missed update.
    clock.advance(timedelta(minutes=31))
    assert client.get(base, headers=ana).json()["update_overdue"] is True
    job = next(j for j in JOBS if j.name == "incident-updates")
    assert job.run(runtime) == 1
    assert job.run(runtime) == 0
    with session_scope(runtime.sessions) as s:
        reminders = s.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "incident.update_due")
        ).all()
        assert len(reminders) == 1 and key in reminders[0].payload["text"]


def test_a_role_given_to_a_schedule_goes_to_whoever_is_on_call(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    key = declare(client, people["analyst"])["incident"]["key"]
    with session_scope(runtime.sessions) as s:
        from watchfloor.oncall import service as oncall

        on = oncall.on_call(s, runtime.config.oncall, "safety-secondary", runtime.clock.now())
    r = client.post(
        f"/api/v1/incidents/{key}/roles",
        json={"role": "policy", "schedule": "safety-secondary"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 200, r.text
    policy = next(x for x in r.json()["roles"] if x["role"] == "policy")
    assert policy["user"] == on[0] and policy["page_state"] == "triggered"
    r = client.post(
        f"/api/v1/incidents/{key}/roles",
        json={"role": "policy", "schedule": "no-such-rota"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 422 and "no-such-rota" in r.json()["detail"]


def test_two_people_declaring_from_one_case_at_once_get_one_incident(
    client: TestClient, people: dict[str, Person]
) -> None:
    case = threat_cases(client, people["intake"], 1)[0]
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def go(who: Person) -> None:
        barrier.wait()
        r = client.post(
            "/api/v1/incidents",
            json={"severity": "SEV1", "title": "Same case", "cases": [case]},
            headers=who.headers,
        )
        answers.append(r.status_code)

    threads = [threading.Thread(target=go, args=(p,)) for p in (people["analyst"], people["other"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 409]
    assert len(client.get("/api/v1/incidents", headers=people["viewer"].headers).json()) == 1
