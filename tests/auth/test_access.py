"""Every API route checks who is calling: 401 without a valid token, 403 for a role without the right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from watchfloor.app import create_app
from watchfloor.clock import SettableClock
from watchfloor.runtime import Runtime

# (method, path) → a role that must be refused with 403 (None: every signed-in role may call it).
FORBIDDEN_ROLE: dict[tuple[str, str], str | None] = {
    ("POST", "/api/v1/reports"): "viewer",
    ("POST", "/api/v1/reports/batch"): "qa",
    ("GET", "/api/v1/reports/{report_id}"): "intake",
    ("GET", "/api/v1/cases"): "intake",
    ("GET", "/api/v1/cases/{key}"): "intake",
    ("POST", "/api/v1/cases/{key}/transitions"): "viewer",
    ("POST", "/api/v1/cases/{key}/decision"): "qa",
    ("POST", "/api/v1/cases/{key}/notes"): "viewer",
    ("GET", "/api/v1/cases/{key}/notes"): "intake",
    ("POST", "/api/v1/cases/{key}/assist"): "viewer",
    ("POST", "/api/v1/cases/{key}/evidence/{evidence_id}/reveal"): "viewer",
    ("GET", "/api/v1/queues"): "intake",
    ("POST", "/api/v1/queues/{name}/next"): "viewer",
    ("POST", "/api/v1/next"): "viewer",
    ("GET", "/api/v1/users/{username}/profile"): "analyst",
    ("PUT", "/api/v1/users/{username}/profile"): "analyst",
    ("GET", "/api/v1/auth/me"): None,
    ("GET", "/api/v1/auth/tokens"): None,
    ("DELETE", "/api/v1/auth/tokens/{prefix}"): None,
    ("GET", "/api/v1/users"): "lead",
    ("POST", "/api/v1/users"): "analyst",
    ("POST", "/api/v1/users/{username}/deactivate"): "lead",
    ("POST", "/api/v1/users/{username}/reactivate"): "analyst",
    ("GET", "/api/v1/audit"): "analyst",
    ("GET", "/api/v1/audit/verify"): "viewer",
    ("GET", "/api/v1/webhooks"): "lead",
    ("GET", "/api/v1/webhooks/event-types"): "lead",
    ("POST", "/api/v1/webhooks"): "analyst",
    ("DELETE", "/api/v1/webhooks/{name}"): "legal",
    ("GET", "/api/v1/webhooks/{name}/deliveries"): "lead",
    ("GET", "/api/v1/hash-lists"): "viewer",
    ("POST", "/api/v1/hash-lists"): "analyst",
    ("GET", "/api/v1/hash-lists/{name}"): "intake",
    ("POST", "/api/v1/hash-lists/{name}/entries"): "legal",
    ("DELETE", "/api/v1/hash-lists/{name}"): "qa",
    ("GET", "/api/v1/subjects/{subject_id}"): "intake",
    ("GET", "/api/v1/subjects/{subject_id}/related"): "intake",
    ("GET", "/api/v1/reports/{report_id}/similar"): "intake",
    ("GET", "/api/v1/handoff"): "intake",
    ("POST", "/api/v1/handoff"): "analyst",
    ("GET", "/api/v1/oncall/now"): "intake",
    ("GET", "/api/v1/oncall/check"): "intake",
    ("GET", "/api/v1/oncall/overrides"): "intake",
    ("POST", "/api/v1/oncall/overrides"): "analyst",
    ("DELETE", "/api/v1/oncall/overrides/{override_id}"): "qa",
    ("POST", "/api/v1/oncall/{schedule}/feed"): "intake",
    ("POST", "/api/v1/oncall/people/{person}/feed"): "intake",
    ("POST", "/api/v1/pages"): "viewer",
    ("GET", "/api/v1/pages"): "intake",
    ("GET", "/api/v1/pages/{page_id}"): "intake",
    ("POST", "/api/v1/pages/{page_id}/acknowledge"): "qa",
    ("POST", "/api/v1/pages/{page_id}/resolve"): "viewer",
    ("POST", "/api/v1/incidents"): "viewer",
    ("GET", "/api/v1/incidents"): "intake",
    ("GET", "/api/v1/incidents/{key}"): "intake",
    ("POST", "/api/v1/incidents/{key}/cases"): "qa",
    ("DELETE", "/api/v1/incidents/{key}/cases/{case_key}"): "viewer",
    ("POST", "/api/v1/incidents/{key}/status"): "qa",
    ("PUT", "/api/v1/incidents/{key}/channels"): "viewer",
    ("POST", "/api/v1/incidents/{key}/roles"): "viewer",
    ("GET", "/api/v1/incidents/{key}/timeline"): "intake",
    ("POST", "/api/v1/incidents/{key}/timeline"): "qa",
    ("PUT", "/api/v1/incidents/{key}/timeline/{entry_id}/key"): "viewer",
    ("POST", "/api/v1/incidents/{key}/updates"): "qa",
    ("POST", "/api/v1/incidents/{key}/updates/draft"): "viewer",
    ("POST", "/api/v1/incidents/{key}/tasks"): "qa",
    ("PATCH", "/api/v1/incidents/{key}/tasks/{task_id}"): "viewer",
    ("PATCH", "/api/v1/incidents/{key}/review"): "qa",
    ("POST", "/api/v1/incidents/{key}/review/draft"): "viewer",
    ("GET", "/api/v1/incidents/{key}/report"): "intake",
    ("GET", "/api/v1/qa/queue"): "analyst",
    ("GET", "/api/v1/qa/samples/{sample_id}"): "viewer",
    ("POST", "/api/v1/qa/samples/{sample_id}/claim"): "analyst",
    ("POST", "/api/v1/qa/samples/{sample_id}/review"): "legal",
    ("POST", "/api/v1/qa/samples/{sample_id}/adjudicate"): "qa",
    ("GET", "/api/v1/qa/feedback"): "qa",
    ("POST", "/api/v1/qa/feedback/{feedback_id}/answer"): "viewer",
    ("GET", "/api/v1/qa/disputes"): "analyst",
    ("POST", "/api/v1/qa/feedback/{feedback_id}/resolve"): "qa",
    ("GET", "/api/v1/qa/agreement"): "analyst",
    ("POST", "/api/v1/qa/calibrations"): "qa",
    ("GET", "/api/v1/qa/calibrations"): "intake",
    ("GET", "/api/v1/qa/calibrations/{calibration_id}"): "intake",
    ("PUT", "/api/v1/qa/calibrations/{calibration_id}/items/{item_id}/answer"): "intake",
    ("POST", "/api/v1/qa/calibrations/{calibration_id}/close"): "analyst",
    ("GET", "/api/v1/qa/calibrations/{calibration_id}/report"): "intake",
    ("GET", "/api/v1/qa/golden"): "analyst",
    ("POST", "/api/v1/qa/golden"): "qa",
    ("POST", "/api/v1/qa/golden/{golden_id}/retire"): "qa",
    ("GET", "/api/v1/insights/automation"): "analyst",
    ("GET", "/api/v1/insights/spikes"): "analyst",
    ("GET", "/api/v1/insights/clusters"): "analyst",
    ("GET", "/api/v1/insights/metrics"): "analyst",
    ("GET", "/api/v1/insights/export"): "analyst",
    ("GET", "/api/v1/compliance/obligations"): "analyst",
    ("GET", "/api/v1/compliance/retention/runs"): "analyst",
    ("GET", "/api/v1/cases/{key}/obligations"): "viewer",
    ("POST", "/api/v1/cases/{key}/obligations"): "analyst",
    ("POST", "/api/v1/cases/{key}/obligations/{obligation_row}/steps"): "viewer",
    ("GET", "/api/v1/cases/{key}/statements"): "analyst",
    ("GET", "/api/v1/compliance/transparency"): "analyst",
    ("POST", "/api/v1/cases/{key}/ncmec-packet"): "analyst",
    ("POST", "/api/v1/cases/{key}/appeals"): "viewer",
    ("GET", "/api/v1/cases/{key}/appeals"): "analyst",
    ("GET", "/api/v1/appeals"): "analyst",
    ("GET", "/api/v1/appeals/{appeal_id}"): "analyst",
    ("POST", "/api/v1/appeals/{appeal_id}/decision"): "intake",
    ("POST", "/api/v1/legal/requests"): "viewer",
    ("GET", "/api/v1/legal/requests"): "lead",
    ("GET", "/api/v1/legal/requests/{request_id}"): "viewer",
    ("POST", "/api/v1/legal/requests/{request_id}/responses"): "analyst",
    ("POST", "/api/v1/legal/requests/{request_id}/classification"): "lead",
    ("GET", "/api/v1/legal/requests/{request_id}/package"): "intake",
}
# Opened without a bearer token: a password login, and URLs carrying a signed, expiring token
# (calendar apps send no headers; a person woken by a page acknowledges from the message).
PUBLIC = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/oncall/{schedule}.ics"),
    ("GET", "/api/v1/oncall/people/{person}.ics"),
    ("GET", "/api/v1/pages/{page_id}/ack"),
    ("POST", "/api/v1/pages/{page_id}/ack"),
    ("GET", "/api/v1/pages/{page_id}/resolve-link"),
    ("POST", "/api/v1/pages/{page_id}/resolve-link"),
}
SAMPLE = {
    "{report_id}": "1",
    "{key}": "CASE-000001",
    "{name}": "general",
    "{prefix}": "wf_abcdefg",
    "{subject_id}": "1",
    "{username}": "nobody",
    "{override_id}": "1",
    "{page_id}": "1",
    "{schedule}": "safety-primary",
    "{person}": "emea.ana",
    "{case_key}": "CASE-000001",
    "{entry_id}": "entry-1",
    "{task_id}": "1",
    "{sample_id}": "1",
    "{feedback_id}": "1",
    "{calibration_id}": "1",
    "{item_id}": "1",
    "{golden_id}": "1",
    "{obligation_row}": "1",
    "{appeal_id}": "1",
    "{request_id}": "1",
}


def api_routes(runtime: Runtime) -> list[tuple[str, str]]:
    paths = create_app(runtime).openapi()["paths"]
    return [
        (method.upper(), path)
        for path, ops in paths.items()
        if path.startswith("/api/")
        for method in ops
    ]


def concrete(path: str) -> str:
    for k, v in SAMPLE.items():
        path = path.replace(k, v)
    return path


def test_every_api_route_is_in_the_access_table(runtime: Runtime) -> None:
    routes = set(api_routes(runtime))
    assert routes - PUBLIC == set(FORBIDDEN_ROLE), "add new routes to FORBIDDEN_ROLE"


@pytest.mark.parametrize("route", sorted(FORBIDDEN_ROLE))
def test_401_without_or_with_a_bad_token(client: TestClient, route: tuple[str, str]) -> None:
    method, path = route
    r = client.request(method, concrete(path), json={})
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.request(method, concrete(path), json={}, headers={"Authorization": "Bearer wf_nope"})
    assert r.status_code == 401


@pytest.mark.parametrize("route", sorted(k for k, v in FORBIDDEN_ROLE.items() if v))
def test_403_for_a_role_without_the_right(
    client: TestClient, make_user: Callable[..., Person], route: tuple[str, str]
) -> None:
    method, path = route
    role = FORBIDDEN_ROLE[route]
    r = client.request(method, concrete(path), json={}, headers=make_user(role).headers)
    assert r.status_code == 403, r.text
    assert f"role '{role}' may not" in r.json()["detail"]


def test_password_gives_a_token_that_expires(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    make_user("analyst", username="ana", password="correct horse battery")
    r = client.post("/api/v1/auth/token", json={"username": "ana", "password": "wrong password!"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "whatever12345"})
    assert r.status_code == 401
    r = client.post(
        "/api/v1/auth/token", json={"username": "ana", "password": "correct horse battery"}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "ana" and me.json()["role"] == "analyst"
    clock.advance(timedelta(days=31))
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_admin_creates_users_and_the_viewer_sees_no_evidence(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    r = client.post(
        "/api/v1/users",
        json={"username": "New.Analyst", "role": "analyst", "password": "short"},
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "password"]
    r = client.post(
        "/api/v1/users", json={"username": "new.analyst", "role": "analyst"}, headers=admin.headers
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/users", json={"username": "new.analyst", "role": "qa"}, headers=admin.headers
    )
    assert r.status_code == 409

    intake = make_user("intake")
    body = {
        "source": "in_app",
        "external_id": "e1",
        "text": "graphic threat, see attached",
        "subject": {"kind": "account", "id": "a1"},
        "evidence": [{"kind": "text", "text": "[excerpt]", "sensitivity": "graphic"}],
    }
    key = client.post("/api/v1/reports", json=body, headers=intake.headers).json()["case"]
    seen = client.get(f"/api/v1/cases/{key}", headers=make_user("analyst").headers).json()
    assert seen["reports"][0]["evidence"][0]["sensitivity"] == "graphic"
    hidden = client.get(f"/api/v1/cases/{key}", headers=make_user("viewer").headers).json()
    assert hidden["reports"][0]["evidence"] == []


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    ana, bob, admin = make_user("analyst"), make_user("analyst"), make_user("admin")
    mine = client.get("/api/v1/auth/tokens", headers=ana.headers).json()
    assert len(mine) == 1 and ana.token.startswith(mine[0]["prefix"])
    prefix = mine[0]["prefix"]
    # Someone else's token is not found for a non-admin, and nothing changes.
    r = client.delete(f"/api/v1/auth/tokens/{prefix}", headers=bob.headers)
    assert r.status_code == 404
    assert client.get("/api/v1/auth/me", headers=ana.headers).status_code == 200
    r = client.delete(f"/api/v1/auth/tokens/{prefix}", headers=admin.headers)
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me", headers=ana.headers).status_code == 401
    trail = client.get(f"/api/v1/audit?object_id={ana.username}", headers=admin.headers).json()
    assert trail[0]["action"] == "token.revoked" and trail[0]["actor"] == f"user:{admin.username}"
