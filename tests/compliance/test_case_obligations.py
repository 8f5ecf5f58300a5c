"""Cases carry their legal obligations, through the API on both databases: a GDPR request's
clock, its extension inside the first month (and refused after it, writing nothing), a pause
the law allows, the worker's sweep announcing one warning and one breach, the legal view's
soonest-first order, and who may see and change them. Months pass on the settable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Person
from tests.factories import report
from watchfloor.audit.models import AuditEvent
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.notify.models import OutboxEvent
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

# The last day of January: one calendar month later is the last day of February, not 3 March.
T0 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
LIST = "/api/v1/compliance/obligations"


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        role: make_user(role, f"{role}.one")
        for role in ("intake", "analyst", "lead", "legal", "viewer")
    }


@pytest.fixture
def at_t0(clock: SettableClock) -> SettableClock:
    clock.set(T0)
    return clock


def open_case(client: TestClient, intake: Person, n: int) -> str:
    r = client.post("/api/v1/reports", json=report(n), headers=intake.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def start(client: TestClient, who: Person, key: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/api/v1/cases/{key}/obligations", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def step(client: TestClient, who: Person, key: str, row: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/cases/{key}/obligations/{row}/steps", json=body, headers=who.headers
    )


def of_case(client: TestClient, who: Person, key: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/cases/{key}/obligations", headers=who.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def count(runtime: Runtime, model: Any, column: Any, value: str) -> int:
    with session_scope(runtime.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(column == value)) or 0)


def sweep(runtime: Runtime) -> int:
    return next(j for j in JOBS if j.name == "legal-clocks").run(runtime)


def test_a_gdpr_request_is_due_in_a_calendar_month_and_extends_inside_it(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 1)
    ob = start(client, people["legal"], key, obligation="gdpr_12_3_request")
    assert ob["case"] == key and ob["state"] == "running"
    assert ob["citation"] == "Regulation (EU) 2016/679 (GDPR) Art. 12(3)"
    assert utc(ob["due_at"]) == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert utc(ob["warn_at"]) == datetime(2026, 2, 21, 10, 0, tzinfo=UTC)

    at_t0.set(datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # inside the first month
    no_reason = step(client, people["legal"], key, ob["id"], step="extend")
    assert no_reason.status_code == 422, no_reason.text
    assert no_reason.json()["errors"][0]["loc"] == ["body", "reason"]
    r = step(
        client,
        people["legal"],
        key,
        ob["id"],
        step="extend",
        reason="Complex: data held across four services",
    )
    assert r.status_code == 200, r.text
    extended = r.json()
    # 1 month + 2 months from 31 January: the last day of April.
    assert utc(extended["due_at"]) == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert extended["extension_reason"] == "Complex: data held across four services"
    again = step(client, people["lead"], key, ob["id"], step="extend", reason="more")
    assert again.status_code == 409, again.text


def test_an_extension_after_the_first_month_is_refused_and_writes_nothing(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 2)
    ob = start(client, people["legal"], key, obligation="gdpr_12_3_request")
    at_t0.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    audited = count(runtime, AuditEvent, AuditEvent.object_id, key)

    r = step(client, people["legal"], key, ob["id"], step="extend", reason="Complex request")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "legal_clock_refused"
    assert "after the window to send it closed at 2026-02-28T10:00:00+00:00" in body["detail"]
    [after] = of_case(client, people["legal"], key)
    assert after["extended_at"] is None and after["extension_reason"] is None
    assert utc(after["due_at"]) == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert after["state"] == "breached"
    assert count(runtime, AuditEvent, AuditEvent.object_id, key) == audited


def test_a_pause_for_the_requesters_identity_stops_the_clock_and_others_are_refused(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 3)
    ob = start(client, people["lead"], key, obligation="gdpr_12_3_request")
    at_t0.advance(timedelta(days=2))

    wrong = step(client, people["legal"], key, ob["id"], step="pause", reason="lawyer_on_leave")
    assert wrong.status_code == 422, wrong.text
    assert "its pause reasons are: awaiting_requester_identity" in wrong.json()["detail"]
    assert of_case(client, people["legal"], key)[0]["state"] == "running"
    not_paused = step(client, people["legal"], key, ob["id"], step="resume")
    assert not_paused.status_code == 409, not_paused.text

    paused = step(
        client, people["legal"], key, ob["id"], step="pause", reason="awaiting_requester_identity"
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["state"] == "paused"
    assert paused.json()["pauses"][0]["started_by"] == "user:legal.one"

    at_t0.advance(timedelta(days=5))
    resumed = step(
        client, people["legal"], key, ob["id"], step="resume", reason="passport received"
    )
    assert resumed.status_code == 200, resumed.text
    out = resumed.json()
    assert out["state"] == "running"
    # Five days stopped: due five days later.
    assert utc(out["due_at"]) == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert out["pauses"][0]["end_note"] == "passport received"
    actions = {
        a
        for a in ("obligation.started", "obligation.paused", "obligation.resumed")
        if count(runtime, AuditEvent, AuditEvent.action, a) == 1
    }
    assert len(actions) == 3


def test_the_sweep_announces_one_warning_and_one_breach(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 4)
    ob = start(client, people["legal"], key, obligation="gdpr_12_3_request")
    assert sweep(runtime) == 0

    at_t0.set(datetime(2026, 2, 21, 10, 0, tzinfo=UTC))  # the warning time, three weeks on
    assert sweep(runtime) == 1
    assert sweep(runtime) == 0
    [warned] = of_case(client, people["legal"], key)
    assert warned["state"] == "warning" and warned["left_seconds"] == 7 * 86_400

    at_t0.set(datetime(2026, 2, 28, 10, 0, tzinfo=UTC))  # the due time
    assert sweep(runtime) == 1
    at_t0.advance(timedelta(days=3))
    assert sweep(runtime) == 0
    assert count(runtime, OutboxEvent, OutboxEvent.event_type, "obligation.warning") == 1
    assert count(runtime, OutboxEvent, OutboxEvent.event_type, "obligation.breached") == 1
    with session_scope(runtime.sessions) as s:
        payload = s.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == "obligation.breached")
        ).one()
    assert payload["case"] == key and payload["obligation"] == "gdpr_12_3_request"
    assert payload["notify"] == ["requester"]
    [breached] = of_case(client, people["legal"], key)
    assert breached["state"] == "breached" and breached["left_seconds"] == -3 * 86_400
    assert breached["id"] == ob["id"]

    met = step(client, people["legal"], key, ob["id"], step="met")
    assert met.status_code == 200 and met.json()["state"] == "met_late"
    assert client.get(LIST, headers=people["legal"].headers).json() == []


def test_bad_starts_name_the_field(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 5)
    url = f"/api/v1/cases/{key}/obligations"
    legal = people["legal"].headers
    r = client.post(url, json={"obligation": "gdpr_99_nothing"}, headers=legal)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"loc": ["body", "obligation"], "msg": r.json()["errors"][0]["msg"]}
    ]
    assert "unknown obligation 'gdpr_99_nothing'" in r.json()["detail"]
    r = client.post(url, json={"obligation": "us_legal_process"}, headers=legal)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "response_due_at"]
    # The TAKE IT DOWN Act's platform duty applies from 19 May 2026.
    r = client.post(url, json={"obligation": "us_take_it_down_removal"}, headers=legal)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "started_at"]
    r = client.post(
        url,
        json={"obligation": "gdpr_33_breach", "started_at": "2026-02-01T00:00:00Z"},
        headers=legal,
    )
    assert r.status_code == 422 and "in the future" in r.json()["detail"]
    start(client, people["legal"], key, obligation="gdpr_33_breach")
    r = client.post(url, json={"obligation": "gdpr_33_breach"}, headers=legal)
    assert r.status_code == 409, r.text
    r = client.post(
        "/api/v1/cases/CASE-999999/obligations",
        json={"obligation": "gdpr_33_breach"},
        headers=legal,
    )
    assert r.status_code == 404, r.text


def test_who_may_see_and_change_obligations(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 6)
    ob = start(client, people["lead"], key, obligation="gdpr_33_breach")
    viewer, analyst = people["viewer"].headers, people["analyst"].headers
    steps = f"/api/v1/cases/{key}/obligations/{ob['id']}/steps"
    for method, url, body in (
        ("GET", LIST, None),
        ("GET", f"/api/v1/cases/{key}/obligations", None),
        ("POST", f"/api/v1/cases/{key}/obligations", {"obligation": "gdpr_33_breach"}),
        ("POST", steps, {"step": "met"}),
    ):
        r = client.request(method, url, json=body, headers=viewer)
        assert r.status_code == 403, (url, r.text)
    assert [o["id"] for o in of_case(client, people["analyst"], key)] == [ob["id"]]
    assert client.get(LIST, headers=analyst).status_code == 403
    assert client.post(steps, json={"step": "met"}, headers=analyst).status_code == 403
    assert client.get(LIST, headers=people["lead"].headers).status_code == 200


def test_the_open_list_is_soonest_first_and_filters_by_state(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    legal = people["legal"]
    keys = [open_case(client, people["intake"], n) for n in range(10, 14)]
    started = {
        "gdpr_12_3_request": start(client, legal, keys[0], obligation="gdpr_12_3_request"),
        "gdpr_33_breach": start(client, legal, keys[1], obligation="gdpr_33_breach"),
        "us_2703f_preservation": start(client, legal, keys[2], obligation="us_2703f_preservation"),
        "dsa_18_threat_to_life": start(client, legal, keys[3], obligation="dsa_18_threat_to_life"),
    }
    r = client.get(LIST, headers=legal.headers)
    assert r.status_code == 200, r.text
    assert [o["obligation"] for o in r.json()] == [
        "dsa_18_threat_to_life",  # 1 hour
        "gdpr_33_breach",  # 72 hours
        "gdpr_12_3_request",  # a month
        "us_2703f_preservation",  # 90 days
    ]
    assert [o["case"] for o in r.json()] == [keys[3], keys[1], keys[0], keys[2]]

    at_t0.advance(timedelta(minutes=45))  # the threat's warning came 20 minutes before its hour
    r = client.get(LIST, params={"state": "warning"}, headers=legal.headers)
    assert [o["id"] for o in r.json()] == [started["dsa_18_threat_to_life"]["id"]]
    r = client.get(LIST, params={"state": "finished"}, headers=legal.headers)
    assert r.status_code == 422, r.text
