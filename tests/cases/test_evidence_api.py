"""Graphic and sensitive material through the API: withheld as in the console, revealed through
one audited, counted, budgeted reveal, and graphic-area report text never sent to a viewer.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, report_with_evidence, sign_in
from watchfloor.app import create_app
from watchfloor.audit.models import AuditEvent
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.triage.linking import similar

GRAPHIC_TEXT = "graphic description of injuries"
REPORT_TEXT = "kill more people"  # in report_with_evidence's text: violence_threats, a graphic area


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        r: make_user(r, username=r, password=PASSWORD)
        for r in ("intake", "analyst", "lead", "viewer")
    }


def submit(client: TestClient, who: Person, body: dict[str, object]) -> dict[str, Any]:
    r = client.post("/api/v1/reports", json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def evidence(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Evidence items of a case or report answer, by their stored sha256-free label."""
    reports = body.get("reports", [body])
    return {
        (e["filename"] or e["sensitivity"] + ("-text" if e["kind"] == "text" else "")): e
        for r in reports
        for e in r["evidence"]
    }


def reveals(runtime: Runtime) -> int:
    with session_scope(runtime.sessions) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "evidence.revealed")
            )
            or 0
        )


def test_an_analyst_reads_hidden_evidence_only_after_an_audited_counted_reveal(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    analyst = people["analyst"]
    made = submit(client, people["intake"], report_with_evidence())
    key, report_id = made["case"], made["report_id"]
    case = client.get(f"/api/v1/cases/{key}", headers=analyst.headers)
    assert case.status_code == 200 and GRAPHIC_TEXT not in case.text
    items = evidence(case.json())
    # A graphic harm area: every item is withheld, each saying how to reveal it.
    for item in items.values():
        assert item["text"] is None
        assert f"POST /api/v1/cases/{key}/evidence/{item['id']}/reveal" in item["withheld"]
    assert items["graphic-text"]["withheld"].startswith("graphic: POST")
    assert case.json()["reports"][0]["text"].endswith("kill more people tomorrow.")
    read = client.get(f"/api/v1/reports/{report_id}", headers=analyst.headers)
    assert read.status_code == 200 and GRAPHIC_TEXT not in read.text
    assert evidence(read.json())["graphic-text"]["withheld"] == items["graphic-text"]["withheld"]

    text_id = items["graphic-text"]["id"]
    shown = client.post(f"/api/v1/cases/{key}/evidence/{text_id}/reveal", headers=analyst.headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["evidence"]["text"] == GRAPHIC_TEXT and shown.json()["counted"] is True
    assert shown.json()["exposure_today"] == 1 and reveals(runtime) == 1
    # Revealed today: sent in full by both reads, with nothing withheld; the rest still is.
    for path in (f"/api/v1/cases/{key}", f"/api/v1/reports/{report_id}"):
        items = evidence(client.get(path, headers=analyst.headers).json())
        assert items["graphic-text"]["text"] == GRAPHIC_TEXT
        assert items["graphic-text"]["withheld"] is None
        assert items["none-text"]["text"] is None and items["none-text"]["withheld"]
    # Again the same day: neither audited nor counted again.
    again = client.post(f"/api/v1/cases/{key}/evidence/{text_id}/reveal", headers=analyst.headers)
    assert again.json()["counted"] is False and again.json()["exposure_today"] == 1
    assert reveals(runtime) == 1
    # One reveal for both front ends: the console shows what the API revealed, and counts it.
    sign_in(client, "analyst")
    assert GRAPHIC_TEXT in client.get(f"/cases/{key}").text
    assert "Exposure today: <strong>1</strong>" in client.get("/my").text


def test_outside_graphic_areas_only_sensitive_items_are_withheld(
    client: TestClient, people: dict[str, Person]
) -> None:
    body = report(
        1,
        evidence=[
            {
                "kind": "text",
                "text": "a sensitive screenshot transcript",
                "sensitivity": "sensitive",
            },
            {"kind": "text", "text": "an ordinary caption", "sensitivity": "none"},
        ],
    )
    made = submit(client, people["intake"], body)
    answer = client.get(f"/api/v1/cases/{made['case']}", headers=people["analyst"].headers)
    items = evidence(answer.json())
    assert items["none-text"]["text"] == "an ordinary caption"
    assert items["none-text"]["withheld"] is None
    assert items["sensitive-text"]["text"] is None
    assert items["sensitive-text"]["withheld"].startswith("sensitive: POST /api/v1/cases/")
    assert "sensitive screenshot" not in answer.text
    # Not a graphic area: a viewer reads the report text and the summary.
    viewed = client.get(f"/api/v1/cases/{made['case']}", headers=people["viewer"].headers).json()
    assert viewed["reports"][0]["text"] == body["text"] and viewed["summary"] == body["text"]
    assert viewed["reports"][0]["evidence"] == []


def test_reveals_stop_when_the_daily_graphic_budget_is_spent(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    analyst = people["analyst"]
    r = client.put(
        f"/api/v1/users/{analyst.username}/profile",
        json={"graphic_daily_budget": 1},
        headers=people["lead"].headers,
    )
    assert r.status_code == 200, r.text
    key = submit(client, people["intake"], report_with_evidence())["case"]
    items = evidence(client.get(f"/api/v1/cases/{key}", headers=analyst.headers).json())
    first, second = items["graphic-text"]["id"], items["none-text"]["id"]
    path = f"/api/v1/cases/{key}/evidence/{{}}/reveal"
    assert client.post(path.format(first), headers=analyst.headers).status_code == 200
    refused = client.post(path.format(second), headers=analyst.headers)
    assert refused.status_code == 409
    assert "budget for today is spent (1 of 1)" in refused.json()["detail"]
    assert refused.json()["budget"] == 1 and reveals(runtime) == 1
    # What was revealed today stays readable; the console's reveal is refused alike.
    assert client.post(path.format(first), headers=analyst.headers).status_code == 200
    csrf = sign_in(client, "analyst")
    console = client.post(f"/cases/{key}/evidence/{second}/reveal", data={"csrf_token": csrf})
    assert console.status_code == 409 and reveals(runtime) == 1


def test_reveal_is_for_roles_that_see_evidence_and_items_of_that_case(
    client: TestClient, people: dict[str, Person]
) -> None:
    key = submit(client, people["intake"], report_with_evidence(1))["case"]
    other = submit(client, people["intake"], report_with_evidence(2))["case"]
    items = evidence(client.get(f"/api/v1/cases/{key}", headers=people["analyst"].headers).json())
    item = items["graphic-text"]["id"]
    viewer = client.post(
        f"/api/v1/cases/{key}/evidence/{item}/reveal", headers=people["viewer"].headers
    )
    assert viewer.status_code == 403
    elsewhere = client.post(
        f"/api/v1/cases/{other}/evidence/{item}/reveal", headers=people["analyst"].headers
    )
    assert elsewhere.status_code == 404 and f"no evidence item {item}" in elsewhere.json()["detail"]


def test_a_viewer_never_receives_graphic_area_report_text(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    first = submit(client, people["intake"], report_with_evidence(1))
    second = submit(client, people["intake"], report_with_evidence(2))
    similar.index_pending(runtime.sessions, runtime.clock)
    key, report_id = first["case"], first["report_id"]
    viewer, analyst = people["viewer"], people["analyst"]
    reads = [
        f"/api/v1/cases/{key}",
        f"/api/v1/reports/{report_id}",
        "/api/v1/cases",
        f"/api/v1/reports/{report_id}/similar?min_similarity=0.3",
        "/api/v1/handoff",
    ]
    for path in reads:
        seen = client.get(path, headers=viewer.headers)
        assert seen.status_code == 200, (path, seen.text)
        assert REPORT_TEXT not in seen.text and "graphic harm area" in seen.text, path
        # Those who work cases read it (evidence aside) as the console shows it.
        worked = client.get(path, headers=analyst.headers)
        assert REPORT_TEXT in worked.text, path
    case = client.get(f"/api/v1/cases/{key}", headers=viewer.headers).json()
    assert case["summary"] is None and case["summary_withheld"]
    assert case["reports"][0]["text"] is None and case["reports"][0]["evidence"] == []
    assert case["reports"][0]["withheld"] == "graphic harm area: not shown to your role"
    near = client.get(
        f"/api/v1/reports/{report_id}/similar?min_similarity=0.3", headers=viewer.headers
    )
    assert [(r["case"], r["excerpt"]) for r in near.json()["reports"]] == [(second["case"], None)]
    brief = client.get("/api/v1/handoff", headers=viewer.headers).json()
    assert {c["summary"] for c in brief["urgent_open"]} == {None}
    # Advice (from report text) is for those who decide; a viewer is refused.
    assert client.post(f"/api/v1/cases/{key}/assist", headers=viewer.headers).status_code == 403


def test_the_console_queue_page_withholds_graphic_summaries_from_a_viewer(
    client: TestClient, people: dict[str, Person]
) -> None:
    key = submit(client, people["intake"], report_with_evidence())["case"]
    queue = client.get(f"/api/v1/cases/{key}", headers=people["analyst"].headers).json()["queue"]
    sign_in(client, "viewer")
    page = client.get(f"/queues/{queue}").text
    assert key in page and REPORT_TEXT not in page and "withheld: graphic harm area" in page


def test_the_openapi_document_describes_withheld_content_and_the_reveal(runtime: Runtime) -> None:
    doc = create_app(runtime).openapi()
    schemas = doc["components"]["schemas"]
    for name in ("EvidenceOut", "CaseReportOut", "ReportOut"):
        assert "withheld" in schemas[name]["properties"], name
    assert "POST" in schemas["EvidenceOut"]["properties"]["withheld"]["description"]
    route = doc["paths"]["/api/v1/cases/{key}/evidence/{evidence_id}/reveal"]["post"]
    assert "409" in route["responses"] and re.search("audited", route["description"])
