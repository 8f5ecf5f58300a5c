"""/metrics: the floor's figures for Prometheus, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from tests.conftest import Person
from tests.factories import report
from watchfloor.app import create_app
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.intake import backlog
from watchfloor.intake.models import WaitingReport
from watchfloor.notify import service as notify
from watchfloor.notify.models import Delivery
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings

TOKEN = "metrics-token-for-the-tests-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        environment="test",
        triage_model_dir=tmp_path / "models",
        metrics_token=TOKEN,
    )


def scrape(client: TestClient) -> Samples:
    r = client.get("/metrics", headers=SCRAPE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_count_what_the_floor_holds(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    empty = scrape(client)
    # Every configured queue and priority has its series before any work arrives.
    assert value(empty, "watchfloor_queue_waiting_cases", queue="general", priority="P3") == 0
    assert value(empty, "watchfloor_pages_unacknowledged", severity="P0") == 0
    assert value(empty, "watchfloor_intake_backlog_waiting") == 0
    assert not [k for k in empty if k[0] == "watchfloor_reports_received_total"]

    intake = make_user("intake")
    opened = clock.now()
    for n, source in [(1, "in_app"), (2, "in_app"), (3, "email")]:
        r = client.post("/api/v1/reports", json=report(n, source=source), headers=intake.headers)
        assert r.status_code == 201, r.text
        assert r.json()["priority"] == "P2"  # a fraud report: the fraud-scams queue
    # Two accepted for later triage; one of them then fails triage (as if unreadable).
    r = client.post(
        "/api/v1/reports/batch",
        json={"reports": [report(10, source="detector:spam"), report(11, source="in_app")]},
        headers={**intake.headers, "Prefer": "respond-async"},
    )
    assert r.status_code == 202, r.text
    with session_scope(runtime.sessions) as s:
        s.execute(
            update(WaitingReport)
            .where(WaitingReport.external_id == "r-10")
            .values(payload='{"source": "detector:spam"}')
        )
    assert (
        backlog.triage_waiting(
            runtime.sessions, runtime.clock, config=runtime.config, link_window=timedelta(hours=1)
        )
        == 1
    )

    responder = make_user("analyst")
    for severity in ("P1", "P1", "P2"):
        r = client.post(
            "/api/v1/pages",
            json={"summary": "metrics test", "severity": severity},
            headers=responder.headers,
        )
        assert r.status_code == 201, r.text
        last_page = r.json()
    r = client.post(f"/api/v1/pages/{last_page['id']}/acknowledge", headers=responder.headers)
    assert r.status_code == 200, r.text

    # A receiver with one event still to deliver and one given up on (no worker runs here).
    r = client.post(
        "/api/v1/webhooks",
        json={"name": "enforcer", "url": "https://8.8.8.8/hook"},
        headers=make_user("admin").headers,
    )
    assert r.status_code == 201, r.text
    with session_scope(runtime.sessions) as s:
        notify.enqueue(s, clock, event_type="case.decided", data={})
    clock.advance(timedelta(seconds=30))
    with session_scope(runtime.sessions) as s:
        notify.enqueue(s, clock, event_type="action.requested", data={})
        first = s.scalars(select(Delivery).order_by(Delivery.id)).first()
        assert first is not None
        first.status = "dead"

    clock.advance(timedelta(minutes=1))
    got = scrape(client)
    received = "watchfloor_reports_received_total"
    assert value(got, received, source="in_app") == 3  # two triaged at once, one from the backlog
    assert value(got, received, source="email") == 1
    assert value(got, received, source="detector:spam") == 1  # still waiting

    # Each report opened a case, none claimed: three at once and one from the backlog.
    fraud = {"queue": "fraud-scams", "priority": "P2"}
    assert value(got, "watchfloor_queue_waiting_cases", **fraud) == 4
    assert sum(v for (name, _), v in got.items() if name == "watchfloor_queue_waiting_cases") == 4
    age = value(got, "watchfloor_queue_oldest_waiting_seconds", **fraud)
    assert age == (clock.now() - opened).total_seconds() == 90
    assert (
        value(got, "watchfloor_queue_oldest_waiting_seconds", queue="general", priority="P3") == 0
    )

    assert value(got, "watchfloor_pages_unacknowledged", severity="P1") == 2
    assert value(got, "watchfloor_pages_unacknowledged", severity="P2") == 0
    assert value(got, "watchfloor_pages_oldest_unacknowledged_seconds", severity="P1") == 90

    hook = {"channel": "webhook", "receiver": "enforcer"}
    assert value(got, "watchfloor_outbox_undelivered", **hook) >= 1
    assert value(got, "watchfloor_outbox_dead", **hook) == 1
    # The oldest undelivered event was written 60 s ago (the dead one is older, but given up).
    assert value(got, "watchfloor_outbox_lag_seconds", **hook) == 60
    assert value(got, "watchfloor_outbox_dead", channel="email", receiver="smtp") == 0

    assert value(got, "watchfloor_intake_backlog_waiting") == 1
    assert value(got, "watchfloor_intake_backlog_failing") == 1
    assert value(got, "watchfloor_intake_backlog_oldest_seconds") == 90

    at_risk = "watchfloor_sla_clocks_at_risk"
    assert sum(v for (name, _), v in got.items() if name == at_risk) == 0
    clock.advance(timedelta(days=400))  # past every target: every running clock is breached
    late = scrape(client)
    breached = sum(
        v
        for (name, labels), v in late.items()
        if name == at_risk and ("state", "breached") in labels
    )
    assert breached == 2 * 4  # both clocks of the four open cases
    assert value(late, at_risk, queue="fraud-scams", clock="resolution", state="breached") == 4
    assert value(late, at_risk, queue="fraud-scams", clock="first_action", state="warning") == 0


def test_metrics_need_the_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "unauthenticated"
    assert "WATCHFLOOR_METRICS_TOKEN" in wrong.json()["detail"]
    assert client.get("/metrics", headers=SCRAPE).status_code == 200


@pytest.fixture
def no_token_app(db_url: str, tmp_path: Path, clock: SettableClock) -> Iterator[Runtime]:
    settings = Settings(database_url=db_url, environment="test", triage_model_dir=tmp_path / "m")
    rt = Runtime.create(settings, clock=clock)
    yield rt
    rt.engine.dispose()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_without_a_token_only_this_machine_reads_metrics(no_token_app: Runtime, host: str) -> None:
    app = create_app(no_token_app)
    remote = TestClient(app, client=("203.0.113.9", 40000)).get("/metrics")
    assert remote.status_code == 403
    assert "WATCHFLOOR_METRICS_TOKEN" in remote.json()["detail"]
    local = TestClient(app, client=(host, 40000)).get("/metrics")
    assert local.status_code == 200, local.text
    assert "watchfloor_queue_waiting_cases" in local.text


def test_metrics_with_the_database_down_say_unavailable(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/missing/dir/watchfloor.db",
        environment="test",
        triage_model_dir=tmp_path / "m",
        metrics_token=TOKEN,
    )
    with TestClient(create_app(Runtime.create(settings)), raise_server_exceptions=False) as c:
        r = c.get("/metrics", headers=SCRAPE)
    assert r.status_code == 503
    assert r.json() == {
        "detail": "metrics are unavailable: the database cannot be reached",
        "code": "unavailable",
    }
