"""Linking through the API: a fraud ring is one view; free-mail domains and hubs link nobody."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.triage.linking.service import HUB_LIMIT

REPORTS = "/api/v1/reports"
SCAM = "They took my money for a fake investment and stopped answering, it is a scam."
HUB_IP = "203.0.113.7"


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "viewer")}


def account(name: str, *identifiers: tuple[str, str]) -> dict[str, Any]:
    return {
        "kind": "account",
        "id": name,
        "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
    }


def submit(client: TestClient, intake: Person, n: int, subject: dict[str, Any]) -> dict[str, Any]:
    r = client.post(REPORTS, json=report(n, subject=subject, text=SCAM), headers=intake.headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def subject_of(client: TestClient, who: Person, case: str) -> int:
    return int(client.get(f"/api/v1/cases/{case}", headers=who.headers).json()["subject_id"])


def build_ring(client: TestClient, people: dict[str, Person]) -> dict[str, Any]:
    """a -phone- b -card- c -domain- d; e only shares gmail.com; a and 60 strangers share an IP."""
    intake = people["intake"]
    ring = {
        "a": account(
            "acct-a",
            ("phone", "+44 20 7946 0001"),
            ("email", "a@gmail.com"),
            ("ip", HUB_IP),
            ("domain", "GMail.com"),  # sent as a domain: stored, but never followed
        ),
        # The same phone written another way, and the same card under another kind name.
        "b": account("acct-b", ("phone", "0044-20-7946-0001"), ("card_fingerprint", "pf_ring1")),
        "c": account(
            "acct-c", ("payment_fingerprint", "pf_ring1"), ("email", "c@Payout-Desk.test")
        ),
        "d": account("acct-d", ("email", "D.Boss@payout-desk.test")),
        "e": account("acct-e", ("email", "e@gmail.com"), ("domain", "gmail.com")),
    }
    cases = {name: submit(client, intake, i, s)["case"] for i, (name, s) in enumerate(ring.items())}
    strangers = [
        report(100 + i, subject=account(f"acct-s{i}", ("ip", HUB_IP)), text=SCAM)
        for i in range(HUB_LIMIT + 10)
    ]
    r = client.post(f"{REPORTS}/batch", json={"reports": strangers}, headers=intake.headers)
    assert r.status_code == 200, r.text
    ids = {name: subject_of(client, people["analyst"], case) for name, case in cases.items()}
    return {"cases": cases, "ids": ids}


def test_a_fraud_ring_is_one_view_with_its_open_cases(
    client: TestClient, people: dict[str, Person]
) -> None:
    ring = build_ring(client, people)
    ids, cases = ring["ids"], ring["cases"]
    # The case of c is decided and resolved: it drops out of the open cases.
    analyst = people["analyst"]
    r = client.post(
        f"/api/v1/cases/{cases['c']}/transitions",
        json={"action": "assign", "assignee": analyst.username},
        headers=analyst.headers,
    )
    assert r.status_code == 200, r.text
    decision = {
        "policy_id": "FR-PHISHING",
        "violation": True,
        "rationale": "Investment scam ring.",
        "actions": [{"kind": "suspend_account"}],
    }
    r = client.post(f"/api/v1/cases/{cases['c']}/decision", json=decision, headers=analyst.headers)
    assert r.status_code == 201, r.text

    r = client.get(f"/api/v1/subjects/{ids['a']}/related", headers=people["viewer"].headers)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["subject"]["external_id"] == "acct-a" and view["depth"] == 2
    linked = {s["external_id"]: s for s in view["subjects"]}
    # Two hops by default: b through the phone, c through the card; d is a third hop away.
    assert set(linked) == {"acct-b", "acct-c"}
    assert linked["acct-b"]["hops"] == 1
    assert linked["acct-b"]["shared"] == [{"kind": "phone", "value": "+442079460001"}]
    assert linked["acct-c"]["hops"] == 2
    assert linked["acct-c"]["shared"] == [{"kind": "payment_fingerprint", "value": "pf_ring1"}]
    edges = {(e["kind"], e["value"]): e["subject_ids"] for e in view["shared_identifiers"]}
    assert edges[("phone", "+442079460001")] == sorted([ids["a"], ids["b"]])
    assert edges[("payment_fingerprint", "pf_ring1")] == sorted([ids["b"], ids["c"]])
    # Free mail links nobody, and the IP sixty strangers share is named but not followed.
    skipped = {(n["kind"], n["value"]): n for n in view["not_followed"]}
    assert "free-mail" in skipped[("domain", "gmail.com")]["reason"]
    assert skipped[("ip", HUB_IP)]["subjects"] == HUB_LIMIT + 11
    assert "acct-e" not in linked and not any(x.startswith("acct-s") for x in linked)
    assert view["truncated"] is False
    open_keys = {c["key"]: c for c in view["open_cases"]}
    assert set(open_keys) == {cases["a"], cases["b"]}
    assert open_keys[cases["b"]]["subject_id"] == ids["b"]

    deep = client.get(
        f"/api/v1/subjects/{ids['a']}/related?depth=3", headers=analyst.headers
    ).json()
    linked = {s["external_id"]: s for s in deep["subjects"]}
    assert linked["acct-d"]["hops"] == 3
    assert linked["acct-d"]["shared"] == [{"kind": "domain", "value": "payout-desk.test"}]
    assert {c["key"] for c in deep["open_cases"]} == {cases["a"], cases["b"], cases["d"]}

    alone = client.get(f"/api/v1/subjects/{ids['e']}/related", headers=analyst.headers).json()
    assert alone["subjects"] == [] and [c["key"] for c in alone["open_cases"]] == [cases["e"]]

    few = client.get(
        f"/api/v1/subjects/{ids['d']}/related?depth=3&limit=1", headers=analyst.headers
    )
    assert [s["external_id"] for s in few.json()["subjects"]] == ["acct-c"]
    assert few.json()["truncated"] is True


def test_a_subject_shows_its_canonical_identifiers(
    client: TestClient, people: dict[str, Person]
) -> None:
    subject = account(
        "acct-x",
        ("email", " Ann.Lee@Payout-Desk.TEST "),
        ("email", "Ann@GMAIL.com"),  # free mail: no domain derived
        ("phone", "+1 (202) 555-0143"),
        ("ip_address", "::ffff:198.51.100.9"),
        ("device", "dev-0a1b 2c3d"),
        ("api_key_owner", "org_77"),
    )
    case = submit(client, people["intake"], 1, subject)["case"]
    sid = subject_of(client, people["analyst"], case)
    r = client.get(f"/api/v1/subjects/{sid}", headers=people["viewer"].headers)
    assert r.status_code == 200, r.text
    got = {(i["kind"], i["value"]) for i in r.json()["identifiers"]}
    assert got == {
        ("email", "ann.lee@payout-desk.test"),
        ("email", "ann@gmail.com"),
        ("domain", "payout-desk.test"),
        ("phone", "+12025550143"),
        ("ip", "198.51.100.9"),
        ("device_id", "dev-0a1b2c3d"),
        ("api_key_owner", "org_77"),
    }


def test_bad_identifiers_are_refused_and_named(
    client: TestClient, people: dict[str, Person]
) -> None:
    bad = [
        report(1, subject=account("a1", ("ip", "300.1.2.3"))),
        report(2, subject=account("a2", ("email", "not an address"))),
        report(3, subject=account("a3", ("phone", "call me maybe"))),
    ]
    r = client.post(f"{REPORTS}/batch", json={"reports": bad}, headers=people["intake"].headers)
    assert r.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in r.json()["errors"]}
    assert "not a valid ip" in errors[("body", "reports", 0, "subject", "identifiers", 0, "value")]
    assert "name@domain" in errors[("body", "reports", 1, "subject", "identifiers", 0, "value")]
    assert "digits" in errors[("body", "reports", 2, "subject", "identifiers", 0, "value")]


def test_unknown_subjects_and_bad_parameters(client: TestClient, people: dict[str, Person]) -> None:
    who = people["analyst"].headers
    for path in ("/api/v1/subjects/999", "/api/v1/subjects/999/related"):
        r = client.get(path, headers=who)
        assert r.status_code == 404 and r.json()["detail"] == "no subject 999"
    case = submit(client, people["intake"], 1, account("acct-1"))["case"]
    sid = subject_of(client, people["analyst"], case)
    for query, field in (("depth=0", "depth"), ("depth=9", "depth"), ("limit=0", "limit")):
        r = client.get(f"/api/v1/subjects/{sid}/related?{query}", headers=who)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", field]
    assert client.get("/api/v1/subjects/0/related", headers=who).status_code == 422
