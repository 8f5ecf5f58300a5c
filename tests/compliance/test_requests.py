"""Legal requests through the API on both databases: a subpoena becomes a case in the legal
queue with its clock due on the date it sets; a repeat returns the first; bad input is a 422
naming the field; the response package is recorded, marks the deadline met and exports as JSON
and CSV; the case page and report show no request contents to a viewer; who may do what; the
transparency tally. Time passes on the settable clock."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from watchfloor.audit.models import AuditEvent
from watchfloor.clock import SettableClock
from watchfloor.compliance.requests import service
from watchfloor.db import session_scope
from watchfloor.notify.models import OutboxEvent
from watchfloor.runtime import Runtime

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
API = "/api/v1/legal/requests"
SECRET_BASIS = "Grand jury subpoena 26-GJ-0042, Northern District"


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


def subpoena(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": f"SP-{n}",
        "request_type": "us_subpoena",
        "requester": {
            "authority": "Example County Sheriff",
            "person": "Det. A. Jones",
            "email": "a.jones@sheriff.example.gov",
            "phone": "+1 555 0100",
            "country": "US",
        },
        "legal_basis": SECRET_BASIS,
        "scope": {
            "accounts": [f"acct-{n}"],
            "data_types": ["subscriber", "ip_logs"],
            "date_from": "2026-06-01",
            "date_to": "2026-08-31",
        },
        "subject": {"kind": "account", "id": f"acct-{n}"},
        "response_due_at": "2026-09-15T17:00:00Z",
    }
    body.update(overrides)
    return body


def post(client: TestClient, who: Person, body: dict[str, Any]) -> Any:
    return client.post(API, json=body, headers=who.headers)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_a_subpoena_becomes_a_legal_queue_case_with_its_clock_and_a_repeat_returns_it(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    r = post(client, people["intake"], subpoena(1))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["key"] == f"LR-{made['id']:06d}" and made["status"] == "open"
    assert made["request_type"] == "us_subpoena" and made["country"] == "US"
    assert utc(made["due_at"]) == datetime(2026, 9, 15, 17, 0, tzinfo=UTC)
    case = client.get(f"/api/v1/cases/{made['case']}", headers=people["lead"].headers).json()
    assert case["queue"] == "legal-regulatory", case
    assert case["harm_area"] == "legal_regulatory"

    again = post(client, people["intake"], subpoena(1, legal_basis="something else"))
    assert again.status_code == 200, again.text
    assert again.json()["id"] == made["id"] and again.json()["case"] == made["case"]

    full = client.get(f"{API}/{made['id']}", headers=people["legal"].headers).json()
    assert full["legal_basis"] == SECRET_BASIS
    assert full["scope"]["data_types"] == ["subscriber", "ip_logs"]
    [ob] = full["obligations"]
    assert ob["obligation"] == "us_legal_process" and ob["state"] == "running"
    assert utc(ob["due_at"]) == datetime(2026, 9, 15, 17, 0, tzinfo=UTC)
    with session_scope(runtime.sessions) as s:
        events = s.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == "legal_request.received")
        ).all()
        audited = s.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == made["key"])
        ).all()
    # One event for the one request: ids and type, never its contents.
    assert len(events) == 1
    assert set(events[0]) == {"request", "request_id", "case", "request_type", "status", "source"}
    assert SECRET_BASIS not in str(events[0]) and "Jones" not in str(events[0])
    assert list(audited) == ["legal_request.received"]


def test_a_gdpr_request_goes_to_privacy_with_a_calendar_month(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    body = subpoena(
        2,
        request_type="gdpr_access",
        requester={"authority": "Jane Roe", "email": "jane@example.org", "country": "de"},
        legal_basis="GDPR Art. 15",
        response_due_at=None,
    )
    r = post(client, people["intake"], body)
    assert r.status_code == 201, r.text
    assert r.json()["country"] == "DE"
    full = client.get(f"{API}/{r.json()['id']}", headers=people["legal"].headers).json()
    [ob] = full["obligations"]
    assert ob["obligation"] == "gdpr_12_3_request"
    assert utc(ob["due_at"]) == datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    case = client.get(f"/api/v1/cases/{full['case']}", headers=people["lead"].headers).json()
    assert case["harm_area"] == "privacy" and case["queue"] == "legal-regulatory"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"request_type": "letter_rogatory"}, "request_type"),
        ({"requester": {"authority": "Somewhere", "country": "XX"}}, "country"),
        ({"response_due_at": None}, "response_due_at"),
        ({"response_due_at": "2026-08-01T00:00:00Z"}, "response_due_at"),
        ({"received_at": "2026-09-10T00:00:00Z"}, "received_at"),
        ({"scope": {"date_from": "2026-08-01", "date_to": "2026-07-01"}}, "scope"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: TestClient,
    people: dict[str, Person],
    at_t0: SettableClock,
    change: dict[str, Any],
    field: str,
) -> None:
    r = post(client, people["intake"], subpoena(3, **change))
    assert r.status_code == 422, r.text
    named = [".".join(str(p) for p in e["loc"]) for e in r.json()["errors"]]
    assert any(field in n for n in named), named
    listed = client.get(API, headers=people["legal"].headers)
    assert listed.json() == []


def test_the_response_package_is_recorded_marks_the_deadline_met_and_exports(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    made = post(client, people["intake"], subpoena(4)).json()
    items = f"{API}/{made['id']}/responses"
    legal = people["legal"].headers
    at_t0.advance(timedelta(hours=5))
    ack = client.post(
        items,
        json={"kind": "acknowledgement", "recipient": "Det. A. Jones", "delivery": "email"},
        headers=legal,
    )
    assert ack.status_code == 201, ack.text
    assert ack.json()["sent_by"] == "legal.one"

    refusal = {"kind": "refusal", "recipient": "Det. A. Jones", "delivery": "email"}
    no_reason = client.post(items, json=refusal, headers=legal)
    assert no_reason.status_code == 422, no_reason.text
    assert "refusal_reason" in no_reason.text

    at_t0.advance(timedelta(days=3))
    final = client.post(
        items,
        json={
            "kind": "disclosure",
            "data_categories": ["subscriber"],
            "identifiers": ["acct-4", "=cmd|' /C calc'!A0"],
            "recipient": "Det. A. Jones",
            "delivery": "portal",
            "note": '=HYPERLINK("http://x.example")',
            "final": True,
            "mark_met": True,
        },
        headers=legal,
    )
    assert final.status_code == 201, final.text
    second = client.post(
        items, json={**refusal, "refusal_reason": "x", "final": True}, headers=legal
    )
    assert second.status_code == 409, second.text

    full = client.get(f"{API}/{made['id']}", headers=legal).json()
    assert full["status"] == "answered"
    assert utc(full["acknowledged_at"]) == T0 + timedelta(hours=5)
    assert utc(full["answered_at"]) == T0 + timedelta(days=3, hours=5)
    [ob] = full["obligations"]
    assert ob["state"] == "met" and utc(ob["done_at"]) == T0 + timedelta(days=3, hours=5)

    as_json = client.get(f"{API}/{made['id']}/package?format=json", headers=legal).json()
    assert [i["kind"] for i in as_json["responses"]] == ["acknowledgement", "disclosure"]
    as_csv = client.get(f"{API}/{made['id']}/package?format=csv", headers=legal)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["kind"] for r in rows] == ["acknowledgement", "disclosure"]
    assert rows[1]["final"] == "yes" and rows[1]["legal_basis"] == SECRET_BASIS
    # A cell a spreadsheet would run as a formula is written as text.
    assert rows[1]["note"] == '\'=HYPERLINK("http://x.example")'
    assert rows[1]["identifiers"] == "acct-4; =cmd|' /C calc'!A0"
    bad_format = client.get(f"{API}/{made['id']}/package?format=xml", headers=legal)
    assert bad_format.status_code == 422

    with session_scope(runtime.sessions) as s:
        [tally] = service.tally(s, start=T0, end=T0 + timedelta(days=30))
    assert tally.request_type == "us_subpoena" and tally.member_state == "US"
    assert (tally.received, tally.answered) == (1, 1)
    assert tally.median_hours_to_acknowledge == 5.0
    assert tally.median_hours_to_answer == 77.0


def test_only_legal_reads_requests_and_the_case_shows_viewers_no_contents(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    made = post(client, people["intake"], subpoena(5)).json()
    for role in ("analyst", "lead", "viewer", "intake"):
        for path in (API, f"{API}/{made['id']}", f"{API}/{made['id']}/package"):
            r = client.get(path, headers=people[role].headers)
            assert r.status_code == 403, (role, path, r.status_code)
        r = client.post(
            f"{API}/{made['id']}/responses",
            json={"kind": "acknowledgement", "recipient": "x", "delivery": "email"},
            headers=people[role].headers,
        )
        assert r.status_code == 403, role
    assert post(client, people["viewer"], subpoena(6)).status_code == 403

    case = client.get(f"/api/v1/cases/{made['case']}", headers=people["viewer"].headers)
    assert case.status_code == 200, case.text
    text = case.text
    for secret in (SECRET_BASIS, "Jones", "sheriff.example.gov", "ip_logs", "Sheriff"):
        assert secret not in text, secret
    assert f"Legal request {made['key']} from law enforcement" in text


def test_the_list_puts_the_soonest_due_first_and_filters(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    later = post(client, people["intake"], subpoena(7, response_due_at="2026-10-01T00:00:00Z"))
    sooner = post(client, people["intake"], subpoena(8, response_due_at="2026-09-05T00:00:00Z"))
    gdpr = post(
        client,
        people["intake"],
        subpoena(
            9,
            request_type="gdpr_erasure",
            requester={"authority": "Jane Roe", "country": "FR"},
            response_due_at=None,
        ),
    )
    legal = people["legal"].headers
    listed = [r["id"] for r in client.get(API, headers=legal).json()]
    assert listed == [sooner.json()["id"], later.json()["id"], gdpr.json()["id"]]
    fr = client.get(f"{API}?country=fr", headers=legal).json()
    assert [r["id"] for r in fr] == [gdpr.json()["id"]]
    bad = client.get(f"{API}?country=ZZ", headers=legal)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "country"]


def test_an_emergency_disclosure_request_makes_its_case_p0(
    client: TestClient, people: dict[str, Person], at_t0: SettableClock
) -> None:
    body = subpoena(10, request_type="emergency disclosure", response_due_at=None)
    r = post(client, people["intake"], body)
    assert r.status_code == 201, r.text
    assert r.json()["request_type"] == "us_emergency_disclosure"
    assert utc(r.json()["due_at"]) == T0 + timedelta(hours=1)
    case = client.get(f"/api/v1/cases/{r.json()['case']}", headers=people["lead"].headers)
    assert case.json()["priority"] == "P0", case.json()
