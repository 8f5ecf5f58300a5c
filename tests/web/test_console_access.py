"""Every console route checks who is calling: no session → the sign-in page; a role without
the right → 403. The table must list every console route, so a new page cannot forget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.web.console_client import PASSWORD, csrf_of, sign_in
from watchfloor.app import create_app
from watchfloor.runtime import Runtime

# (method, path) → a role that must be refused with 403 (None: every signed-in person may).
REFUSED: dict[tuple[str, str], str | None] = {
    ("GET", "/floor"): "intake",
    ("GET", "/floor/live"): "intake",
    ("GET", "/queues/{name}"): "intake",
    ("GET", "/my"): "viewer",
    ("POST", "/next"): "viewer",
    ("GET", "/cases/{key}"): "intake",
    ("POST", "/cases/{key}/transition"): "viewer",
    ("POST", "/cases/{key}/notes"): "viewer",
    ("POST", "/cases/{key}/decision"): "qa",
    ("GET", "/search"): "intake",
    ("POST", "/cases/{key}/evidence/{evidence_id}/reveal"): "viewer",
    ("GET", "/evidence/{evidence_id}/preview"): "viewer",
    ("GET", "/evidence/{evidence_id}/file"): "viewer",
    ("GET", "/holds"): "analyst",
    ("POST", "/cases/{key}/holds"): "lead",
    ("POST", "/holds/{hold_id}/release"): "analyst",
    ("GET", "/admin"): "lead",
    ("GET", "/oncall"): "intake",
    ("POST", "/oncall/overrides"): "analyst",
    ("POST", "/oncall/overrides/{override_id}/delete"): "analyst",
    ("GET", "/pages"): "intake",
    ("POST", "/pages/{page_id}/acknowledge"): "viewer",
    ("POST", "/pages/{page_id}/resolve"): "viewer",
    ("GET", "/handoff"): "intake",
    ("POST", "/handoff"): "analyst",
    ("GET", "/preferences"): None,
    ("POST", "/preferences"): None,
    ("POST", "/exposure/{username}/budget"): "analyst",
    ("POST", "/views"): "intake",
    ("POST", "/views/{view_id}/delete"): "intake",
    ("GET", "/exposure"): None,
    ("POST", "/logout"): None,
    ("GET", "/incidents"): "intake",
    ("POST", "/incidents"): "viewer",
    ("GET", "/incidents/{key}"): "intake",
    ("POST", "/incidents/{key}/status"): "viewer",
    ("POST", "/incidents/{key}/roles"): "viewer",
    ("POST", "/incidents/{key}/cases"): "viewer",
    ("POST", "/incidents/{key}/cases/{case_key}/unlink"): "viewer",
    ("POST", "/incidents/{key}/tasks"): "viewer",
    ("POST", "/incidents/{key}/tasks/{task_id}"): "viewer",
    ("POST", "/incidents/{key}/updates/draft"): "viewer",
    ("POST", "/incidents/{key}/updates"): "viewer",
    ("POST", "/incidents/{key}/timeline"): "viewer",
    ("POST", "/incidents/{key}/timeline/{entry_id}/key"): "viewer",
    ("POST", "/incidents/{key}/review"): "viewer",
    ("POST", "/incidents/{key}/review/draft"): "viewer",
    ("GET", "/incidents/{key}/review.md"): "intake",
    ("GET", "/incidents/{key}/review.html"): "intake",
    ("GET", "/qa"): "analyst",
    ("POST", "/qa/samples/{sample_id}/claim"): "analyst",
    ("GET", "/qa/samples/{sample_id}"): "analyst",
    ("POST", "/qa/samples/{sample_id}/review"): "analyst",
    ("POST", "/qa/samples/{sample_id}/adjudicate"): "qa",
    ("GET", "/qa/feedback"): "qa",
    ("POST", "/qa/feedback/{feedback_id}/answer"): "qa",
    ("POST", "/qa/feedback/{feedback_id}/resolve"): "analyst",
    ("GET", "/qa/agreement"): "analyst",
    ("GET", "/qa/calibrations"): "intake",
    ("POST", "/qa/calibrations"): "analyst",
    ("GET", "/qa/calibrations/{calibration_id}"): "intake",
    ("POST", "/qa/calibrations/{calibration_id}/items/{item_id}/answer"): "intake",
    ("POST", "/qa/calibrations/{calibration_id}/close"): "analyst",
    ("GET", "/qa/calibrations/{calibration_id}/report"): "intake",
    ("GET", "/qa/golden"): "analyst",
    ("POST", "/qa/golden"): "qa",
    ("POST", "/qa/golden/{golden_id}/retire"): "qa",
    ("GET", "/insights"): "analyst",
    ("GET", "/insights/metrics"): "analyst",
    ("GET", "/insights/report"): "analyst",
    ("GET", "/insights/report/download"): "analyst",
    ("GET", "/legal"): "analyst",
    ("GET", "/legal/retention"): "analyst",
    ("GET", "/cases/{key}/statements"): "analyst",
    ("GET", "/legal/transparency"): "analyst",
    ("GET", "/legal/transparency/{table}.csv"): "viewer",
    ("GET", "/legal/appeals"): "analyst",
    ("GET", "/legal/appeals/{appeal_id}"): "analyst",
    ("POST", "/legal/appeals/{appeal_id}/decision"): "qa",
    ("GET", "/legal/requests"): "lead",
    ("GET", "/legal/requests/{request_id}"): "viewer",
    ("POST", "/legal/requests/{request_id}/responses"): "analyst",
}
# Not behind a console sign-in: /healthz answers anyone (up or down only); /metrics checks its own
# token or a loopback caller (tests/test_metrics.py).
PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
}


def _concrete(path: str) -> str:
    return (
        path.replace("{key}", "CASE-000001")
        .replace("{evidence_id}", "1")
        .replace("{hold_id}", "1")
        .replace("{username}", "ana")
        .replace("{view_id}", "1")
        .replace("{case_key}", "CASE-000001")
        .replace("{task_id}", "1")
        .replace("{entry_id}", "entry-1")
        .replace("{sample_id}", "1")
        .replace("{feedback_id}", "1")
        .replace("{calibration_id}", "1")
        .replace("{item_id}", "1")
        .replace("{golden_id}", "1")
        .replace("{appeal_id}", "1")
        .replace("{request_id}", "1")
    )


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from _routes(inner.routes)  # a router included in the app


def test_every_console_route_is_in_the_table(runtime: Runtime) -> None:
    found = {
        (method, route.path)
        for route in _routes(create_app(runtime).routes)
        if not route.path.startswith("/api/")
        for method in route.methods
    }
    assert found - PUBLIC == set(REFUSED), "add new console routes to REFUSED"


@pytest.mark.parametrize("route", sorted(REFUSED))
def test_no_session_goes_to_sign_in(client: TestClient, route: tuple[str, str]) -> None:
    method, path = route
    answer = client.request(method, _concrete(path), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("route", sorted(r for r, role in REFUSED.items() if role))
def test_a_role_without_the_right_gets_403(
    client: TestClient, make_user: Callable[..., Person], route: tuple[str, str]
) -> None:
    method, path = route
    role = REFUSED[route]
    make_user(role, username="someone", password=PASSWORD)
    csrf = sign_in(client, "someone")
    answer = client.request(
        method, _concrete(path), data={"csrf_token": csrf} if method == "POST" else None
    )
    assert answer.status_code == 403, answer.text[:300]


@pytest.mark.parametrize("origin", ["null", "https://evil.example"])
def test_forms_from_another_origin_or_null_are_refused(
    client: TestClient, make_user: Callable[..., Person], origin: str
) -> None:
    make_user("analyst", username="someone", password=PASSWORD)
    form = client.get("/login")
    login = {"username": "someone", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    refused = client.post("/login", data=login, headers={"Origin": origin}, follow_redirects=False)
    assert refused.status_code == 403 and "wf_session" not in client.cookies
    csrf = sign_in(client, "someone")
    answer = client.post("/logout", data={"csrf_token": csrf}, headers={"Origin": origin})
    assert answer.status_code == 403
    assert client.get("/floor", follow_redirects=False).status_code == 200
    ours = client.post(
        "/logout", data={"csrf_token": csrf}, headers={"Origin": "http://testserver"}
    )
    assert (
        ours.status_code == 200 and client.get("/floor", follow_redirects=False).status_code == 303
    )
