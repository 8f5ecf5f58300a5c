"""/healthz says up or down and nothing else; every request has an id, echoed and logged."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from watchfloor import logs
from watchfloor.app import create_app
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings

# A database nobody can reach, with a password in its URL that must never reach a caller.
DEAD = {
    "sqlite": "sqlite:///{tmp}/no/such/dir/watchfloor.db",
    "postgresql": "postgresql+psycopg://watch:hunter2-secret@127.0.0.1:9/floor_db",
}


@pytest.fixture(params=sorted(DEAD))
def dead_client(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    settings = Settings(
        database_url=DEAD[request.param].format(tmp=tmp_path),
        environment="test",
        triage_model_dir=tmp_path / "models",
    )
    return TestClient(create_app(Runtime.create(settings)), raise_server_exceptions=False)


def test_health_is_ok_and_says_nothing_else(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_health_with_a_dead_database_says_only_unavailable_and_logs_why(
    dead_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="watchfloor.health"):
        r = dead_client.get("/healthz", headers={"X-Request-ID": "probe-42"})
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable"}
    for secret in ("hunter2", "floor_db", "no/such/dir", "127.0.0.1"):
        assert secret not in r.text
    assert r.headers["X-Request-ID"] == "probe-42"
    # The operator's log has the reason, marked with the request it belongs to.
    (record,) = [r for r in caplog.records if r.name == "watchfloor.health"]
    assert "database unreachable" in record.getMessage()
    assert record.request_id == "probe-42"  # type: ignore[attr-defined]
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["request_id"] == "probe-42" and line["level"] == "error"


def test_a_sane_request_id_is_kept_and_anything_else_replaced(client: TestClient) -> None:
    given = "3f2b9c1e-7d4a-4b8e-9a61-0c2d5e8f1a7b"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    made = client.get("/healthz").headers["X-Request-ID"]
    other = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and made != other
    for bad in ('{"level": "info"}', "x" * 200, "id with spaces", ""):
        got = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert got != bad and re.fullmatch(r"[0-9a-f]{32}", got)


def test_an_unhandled_error_is_logged_and_answered_with_the_request_id(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(runtime)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom", headers={"X-Request-ID": "req.boom-1"})
    assert r.status_code == 500
    assert r.headers["X-Request-ID"] == "req.boom-1"
    (record,) = [r for r in caplog.records if r.name == "watchfloor.http"]
    assert record.request_id == "req.boom-1"  # type: ignore[attr-defined]
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["request_id"] == "req.boom-1" and "kaboom" in line["exc"]


def test_log_lines_carry_bound_and_extra_fields(caplog: pytest.LogCaptureFixture) -> None:
    logs.install()
    log = logging.getLogger("watchfloor.test")
    with caplog.at_level(logging.INFO):
        with logs.bind(job="sla-sweep", case="CASE-000001"):
            log.info("breached", extra={"page": "PAGE-000002", "case": "CASE-000009"})
        log.info("outside")
    inside, outside = (json.loads(logs.JsonFormatter().format(r)) for r in caplog.records[-2:])
    # ``extra`` wins over a bound field of the same name.
    assert inside["job"] == "sla-sweep" and inside["case"] == "CASE-000009"
    assert inside["page"] == "PAGE-000002" and inside["msg"] == "breached"
    assert "job" not in outside and "request_id" not in outside
