"""Receivers may not reach internal addresses (SSRF), at registration or after DNS at delivery,
and only those who manage receivers read what a receiver answered."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.cases.test_decision import DECISION, claimed_case
from tests.conftest import Person
from tests.notify.outbox import deliveries, queue_events, register
from tests.receiver import webhook_receiver
from watchfloor.notify import egress
from watchfloor.notify.delivery import deliver_due
from watchfloor.runtime import Runtime


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:8000/api/v1/users", "loopback"),
        ("http://localhost:5432/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.0.0.5/hooks", "private"),
        ("https://192.168.1.1/", "private"),
        ("http://[fd00:ec2::254]/", "private"),
        ("http://100.100.100.200/", "not publicly routable"),
        ("http://0.0.0.0:8000/", "unspecified"),
    ],
)
def test_a_receiver_on_an_internal_address_is_refused_naming_the_field(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person], url: str, kind: str
) -> None:
    admin = make_user("admin")
    runtime.settings.webhook_allow_networks = []
    r = client.post("/api/v1/webhooks", json={"name": "probe", "url": url}, headers=admin.headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["errors"][0]["loc"] == ["body", "url"]
    assert (
        kind in body["errors"][0]["msg"] and "WATCHFLOOR_WEBHOOK_ALLOW_NETWORKS" in body["detail"]
    )
    assert client.get("/api/v1/webhooks", headers=admin.headers).json() == []


def test_the_allow_list_admits_the_networks_it_names(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    runtime.settings.webhook_allow_networks = [ipaddress.ip_network("10.20.0.0/16")]
    url = "http://10.20.0.9/hooks"
    ok = client.post("/api/v1/webhooks", json={"name": "inside", "url": url}, headers=admin.headers)
    assert ok.status_code == 201, ok.text
    r = client.post(
        "/api/v1/webhooks",
        json={"name": "beside", "url": "http://10.21.0.9/hooks"},
        headers=admin.headers,
    )
    assert r.status_code == 422


def test_delivery_checks_the_address_again_after_dns(
    client: TestClient,
    runtime: Runtime,
    make_user: Callable[..., Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: public when registered, the metadata service when delivered."""
    admin = make_user("admin")
    answers = {"hooks.example.test": "93.184.216.34"}
    monkeypatch.setattr(egress, "resolve", lambda host, port: [ipaddress.ip_address(answers[host])])
    register(client, admin, "rebinding", "http://hooks.example.test/in")
    answers["hooks.example.test"] = "169.254.169.254"
    queue_events(runtime, 1)
    assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 1
    [row] = deliveries(runtime, "rebinding")
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code is None
    assert (row.last_error or "").startswith(
        "refused: hooks.example.test resolves to 169.254.169.254, a link-local address"
    )


def test_delivery_connects_to_the_address_it_checked(
    client: TestClient,
    runtime: Runtime,
    make_user: Callable[..., Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No DNS server knows this name: the request can only arrive through the checked address.
    admin = make_user("admin")
    monkeypatch.setattr(egress, "resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    with webhook_receiver() as hook:
        port = hook.url.split(":")[2].split("/")[0]
        hook.secret = register(client, admin, "named", f"http://receiver.watchfloor.test:{port}/h")
        queue_events(runtime, 2)
        assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 2
        assert len(hook.received) == 2
        assert hook.hosts == [f"receiver.watchfloor.test:{port}"] * 2
    assert [d.status for d in deliveries(runtime, "named")] == ["delivered"] * 2


def test_only_those_who_manage_receivers_read_their_answers(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    people = {r: make_user(r) for r in ("intake", "analyst", "admin", "lead", "viewer")}
    secret_answer = b"upstream said: internal-token=hunter2 at 10.0.0.7"
    with webhook_receiver(fail_first=1, fail_body=secret_answer) as hook:
        r = client.post(
            "/api/v1/webhooks",
            json={"name": "enforcement", "url": hook.url},
            headers=people["admin"].headers,
        )
        hook.secret = r.json()["secret"]
        key = claimed_case(client, people)
        body = {**DECISION, "actions": [{"kind": "suspend_account"}]}
        r = client.post(
            f"/api/v1/cases/{key}/decision", json=body, headers=people["analyst"].headers
        )
        assert r.status_code == 201, r.text
        deliver_due(runtime.sessions, runtime.clock, runtime.settings)
    for role in ("analyst", "viewer", "lead"):
        case = client.get(f"/api/v1/cases/{key}", headers=people[role].headers)
        assert case.status_code == 200
        assert "hunter2" not in case.text
        failed = [
            d
            for a in case.json()["decisions"][0]["actions"]
            for d in a["deliveries"]
            if d["last_status_code"] == 503
        ]
        assert failed and failed[0]["last_error"] == "HTTP 503"
    answers = client.get("/api/v1/webhooks/enforcement/deliveries", headers=people["admin"].headers)
    assert answers.status_code == 200
    assert secret_answer.decode() in [d["last_response"] for d in answers.json()]
    for role in ("analyst", "viewer", "lead"):
        r = client.get("/api/v1/webhooks/enforcement/deliveries", headers=people[role].headers)
        assert r.status_code == 403
