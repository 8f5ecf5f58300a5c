"""Log lines name what they are about: the request, the case, the page, the worker's job."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor import logs
from watchfloor.clock import SettableClock
from watchfloor.runtime import Runtime
from watchfloor.worker import run_once


def lines(caplog: pytest.LogCaptureFixture, msg: str) -> list[dict[str, object]]:
    """The JSON lines (as ``watchfloor serve`` and ``worker`` write them) whose msg starts so."""
    formatter = logs.JsonFormatter()
    found = [json.loads(formatter.format(r)) for r in caplog.records]
    return [line for line in found if str(line["msg"]).startswith(msg)]


def test_case_and_page_flows_log_their_ids_in_requests_and_worker_jobs(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="watchfloor")
    urgent = report(1, text="He says he will kill myself tonight, he has the pills ready")
    r = client.post("/api/v1/reports", json=urgent, headers=make_user("intake").headers)
    assert r.status_code == 201, r.text
    case, priority = r.json()["case"], r.json()["priority"]
    assert priority == "P0"

    responder = make_user("analyst")
    r = client.post(
        "/api/v1/pages",
        json={"summary": "check this case", "severity": "P1", "case_key": case},
        headers={**responder.headers, "X-Request-ID": "req-page-1"},
    )
    assert r.status_code == 201, r.text
    page = f"PAGE-{r.json()['id']:06d}"
    (triggered,) = lines(caplog, "page triggered")
    assert triggered["request_id"] == "req-page-1"
    assert triggered["page"] == page and triggered["case"] == case

    # Nobody acknowledges; the P0 case's first action is overdue: the worker's jobs act on both.
    clock.advance(timedelta(hours=2))
    run_once(runtime)
    breached = lines(caplog, "SLA clock breached")
    assert breached and all(line["case"] == case for line in breached)
    assert {line["job"] for line in breached} == {"sla-sweep"}
    assert "request_id" not in breached[0]
    escalated = [line for line in lines(caplog, "page escalated") if line["page"] == page]
    assert escalated and escalated[0]["job"] == "advance-pages"
    assert escalated[0]["case"] == case
