"""Deciding a case: resolution, actions in the outbox, delivery to a real webhook receiver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.factories import report
from tests.receiver import webhook_receiver
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.notify.delivery import deliver_due
from watchfloor.notify.models import Delivery
from watchfloor.runtime import Runtime

DECISION = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "Phishing links sent to many users, confirmed against the policy.",
    "actions": [
        {"kind": "suspend_account", "params": {"duration_days": 30}},
        {"kind": "remove_content"},
    ],
}


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "admin", "lead", "viewer")}


def claimed_case(client: TestClient, people: dict[str, Person]) -> str:
    r = client.post(
        "/api/v1/reports",
        json=report(1, text="phishing: verify your account here"),
        headers=people["intake"].headers,
    )
    key = r.json()["case"]
    r = client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
    assert r.json()["key"] == key
    return str(key)


def register(client: TestClient, admin: Person, url: str) -> str:
    r = client.post(
        "/api/v1/webhooks", json={"name": "enforcement", "url": url}, headers=admin.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def test_decision_resolves_and_delivers_each_action_signed(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    with webhook_receiver() as hook:
        hook.secret = register(client, people["admin"], hook.url)
        key = claimed_case(client, people)
        r = client.post(
            f"/api/v1/cases/{key}/decision", json=DECISION, headers=people["analyst"].headers
        )
        assert r.status_code == 201, r.text
        case = r.json()
        assert case["status"] == "resolved" and case["resolved_at"]
        assert case["allowed_actions"] == ["close", "reopen"]
        actions = case["decisions"][0]["actions"]
        assert [a["kind"] for a in actions] == ["suspend_account", "remove_content"]
        assert all(a["deliveries"][0]["status"] == "pending" for a in actions)

        assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 3
        kinds = sorted(
            p["data"]["action"]["kind"] for p in hook.received if p["type"] == "action.requested"
        )
        assert kinds == ["remove_content", "suspend_account"]
        assert {p["type"] for p in hook.received} == {"action.requested", "case.decided"}
        assert hook.bad_signatures == 0
        sent = hook.received[0]["data"]
        assert sent["case"]["key"] == key and sent["subject"]["id"] == "acct-1"

        after = client.get(f"/api/v1/cases/{key}", headers=people["lead"].headers).json()
        delivered = after["decisions"][0]["actions"][0]["deliveries"][0]
        assert delivered["status"] == "delivered" and delivered["attempts"] == 1

        trail = client.get(f"/api/v1/audit?object_id={key}", headers=people["lead"].headers).json()
        assert [e["action"] for e in trail][:3] == ["case.resolve", "case.assign", "case.opened"]
        assert trail[0]["after"]["decision"]["policy_id"] == "FR-PHISHING"


def test_receiver_failing_twice_gets_it_on_the_third_try_with_backoff(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    with webhook_receiver(fail_first=2) as hook:
        hook.secret = register(client, people["admin"], hook.url)
        key = claimed_case(client, people)
        body = {**DECISION, "actions": [{"kind": "suspend_account"}]}
        client.post(f"/api/v1/cases/{key}/decision", json=body, headers=people["analyst"].headers)
        rt = runtime
        assert deliver_due(rt.sessions, rt.clock, rt.settings) == 2  # both fail (503)
        assert deliver_due(rt.sessions, rt.clock, rt.settings) == 0  # backing off: nothing due
        clock.advance(timedelta(seconds=3))
        assert deliver_due(rt.sessions, rt.clock, rt.settings) == 2  # first succeeds
        with session_scope(rt.sessions) as s:
            rows = s.scalars(select(Delivery).order_by(Delivery.id)).all()
            assert [d.status for d in rows] == ["delivered", "delivered"]
            assert [d.attempts for d in rows] == [2, 2]
            assert rows[0].last_status_code == 204
        assert hook.requests == 4 and len(hook.received) == 2


def test_backoff_grows_and_gives_up_after_max_attempts(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    runtime.settings.webhook_max_attempts = 3
    with webhook_receiver(fail_first=1000) as hook:
        hook.secret = register(client, people["admin"], hook.url)
        key = claimed_case(client, people)
        body = {**DECISION, "actions": [{"kind": "suspend_account"}]}
        client.post(f"/api/v1/cases/{key}/decision", json=body, headers=people["analyst"].headers)
        waits = []
        for _ in range(3):
            deliver_due(runtime.sessions, runtime.clock, runtime.settings)
            with session_scope(runtime.sessions) as s:
                d = s.scalars(select(Delivery).order_by(Delivery.id)).first()
                assert d is not None
                waits.append((d.next_attempt_at - clock.now()).total_seconds())
                status = d.status
            clock.advance(timedelta(hours=2))
        assert status == "dead"
        assert 2 <= waits[0] <= 2.4 and 4 <= waits[1] <= 4.8


def test_a_crash_after_commit_loses_nothing_and_a_redelivery_keeps_its_id(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    with webhook_receiver() as hook:
        hook.secret = register(client, people["admin"], hook.url)
        key = claimed_case(client, people)
        body = {**DECISION, "actions": [{"kind": "suspend_account"}]}
        client.post(f"/api/v1/cases/{key}/decision", json=body, headers=people["analyst"].headers)
        # The worker was down when the decision committed: the events wait in the outbox.
        # A worker then sends but dies before recording the outcome: simulate by sending, then
        # putting the rows back as leased-and-unsettled.
        deliver_due(runtime.sessions, runtime.clock, runtime.settings)
        with session_scope(runtime.sessions) as s:
            for d in s.scalars(select(Delivery)):
                d.status, d.attempts, d.delivered_at = "pending", 0, None
                d.lease_until = clock.now() + timedelta(seconds=50)
        assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 0  # still leased
        clock.advance(timedelta(minutes=2))  # the dead worker's lease runs out
        assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 2
        assert len(hook.seen_ids) == 4 and len(set(hook.seen_ids)) == 2  # same ids re-sent
        assert len(hook.received) == 2  # and the receiver acted once on each


def test_illegal_transition_is_409_naming_state_and_allowed(
    client: TestClient, people: dict[str, Person]
) -> None:
    key = claimed_case(client, people)
    r = client.post(
        f"/api/v1/cases/{key}/decision", json=DECISION, headers=people["analyst"].headers
    )
    assert r.status_code == 201
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": "escalate"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 409
    body = r.json()
    assert body["current_status"] == "resolved"
    assert body["allowed_actions"] == ["close", "reopen"]
    assert "resolved" in body["detail"] and "close, reopen" in body["detail"]
    again = client.post(
        f"/api/v1/cases/{key}/decision", json=DECISION, headers=people["analyst"].headers
    )
    assert again.status_code == 409


def test_lifecycle_through_the_api(client: TestClient, people: dict[str, Person]) -> None:
    key = claimed_case(client, people)
    h = people["analyst"].headers
    for action, status in [
        ("start_review", "in_review"),
        ("request_info", "pending_info"),
        ("info_received", "in_review"),
        ("escalate", "escalated"),
    ]:
        body = {"action": action}
        if action == "escalate":
            # Escalating takes a reason.
            r = client.post(f"/api/v1/cases/{key}/transitions", json=body, headers=h)
            assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "note"]
            body["note"] = "Needs a legal reading: the subject may be a minor"
        r = client.post(f"/api/v1/cases/{key}/transitions", json=body, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    r = client.post(f"/api/v1/cases/{key}/decision", json=DECISION, headers=h)
    assert r.json()["status"] == "resolved"
    r = client.post(f"/api/v1/cases/{key}/transitions", json={"action": "reopen"}, headers=h)
    assert r.json()["status"] == "triaged" and r.json()["assignee"] is None


def test_bad_decisions_are_422(client: TestClient, people: dict[str, Person]) -> None:
    key = claimed_case(client, people)
    h = people["analyst"].headers
    r = client.post(
        f"/api/v1/cases/{key}/decision", json={**DECISION, "policy_id": "NOPE"}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "policy_id"]
    r = client.post(f"/api/v1/cases/{key}/decision", json={**DECISION, "actions": []}, headers=h)
    assert r.status_code == 422 and "enforcement action" in r.json()["detail"]
    r = client.post(
        f"/api/v1/cases/{key}/decision", json={**DECISION, "violation": False}, headers=h
    )
    assert r.status_code == 422 and "no enforcement may be ordered" in r.json()["detail"]
    assert client.get(f"/api/v1/cases/{key}", headers=h).json()["status"] == "assigned"


def test_only_the_holder_or_a_lead_works_a_case(
    client: TestClient, people: dict[str, Person], make_user: Callable[..., Person]
) -> None:
    key = claimed_case(client, people)
    other = make_user("analyst")
    r = client.post(f"/api/v1/cases/{key}/decision", json=DECISION, headers=other.headers)
    assert r.status_code == 409 and "assigned to someone else" in r.json()["detail"]
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": "release"},
        headers=people["lead"].headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "triaged"
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": "assign", "assignee": other.username},
        headers=people["lead"].headers,
    )
    assert r.json()["assignee"] == other.username
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": "release"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 409


def test_unknown_case_key(client: TestClient, people: dict[str, Person]) -> None:
    h = people["viewer"].headers
    assert client.get("/api/v1/cases/CASE-999999", headers=h).status_code == 404
    r = client.get("/api/v1/cases/banana", headers=h)
    assert r.status_code == 404 and "CASE-000123" in r.json()["detail"]


def test_a_lead_reassigns_a_held_case_and_it_keeps_its_place(
    client: TestClient, people: dict[str, Person], make_user: Callable[..., Person]
) -> None:
    key = claimed_case(client, people)
    h = people["analyst"].headers
    r = client.post(f"/api/v1/cases/{key}/transitions", json={"action": "start_review"}, headers=h)
    assert r.status_code == 200
    other = make_user("analyst")
    body = {"action": "assign", "assignee": other.username, "note": "Ana is off sick"}
    # Only a lead hands a case to someone else.
    r = client.post(f"/api/v1/cases/{key}/transitions", json=body, headers=h)
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{key}/transitions", json=body, headers=people["lead"].headers)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["assignee"]) == ("in_review", other.username)
    [event] = client.get(
        "/api/v1/audit",
        params={"object_id": key, "action": "case.reassign"},
        headers=people["lead"].headers,
    ).json()
    assert event["before"]["assignee_id"] != event["after"]["assignee_id"]
    assert (event["after"]["to"], event["after"]["note"]) == (other.username, "Ana is off sick")
    # Not to someone who cannot work cases.
    r = client.post(
        f"/api/v1/cases/{key}/transitions",
        json={"action": "assign", "assignee": people["viewer"].username},
        headers=people["lead"].headers,
    )
    assert r.status_code == 403 and "cannot work cases" in r.json()["detail"]
    # A decided case is nobody's to hand over: 409 naming what is allowed.
    r = client.post(f"/api/v1/cases/{key}/decision", json=DECISION, headers=other.headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/cases/{key}/transitions", json=body, headers=people["lead"].headers)
    assert r.status_code == 409 and r.json()["allowed_actions"] == ["close", "reopen"]
