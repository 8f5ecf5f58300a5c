"""Batches sent with ``Prefer: respond-async``: stored at once, triaged by the worker's job."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.conftest import Person
from tests.factories import report
from watchfloor.audit import service as audit
from watchfloor.cases.models import Case
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.intake import backlog
from watchfloor.intake.api import _prefers_async
from watchfloor.intake.models import Report, WaitingReport
from watchfloor.runtime import Runtime
from watchfloor.worker import run_once

BATCH = "/api/v1/reports/batch"
ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def intake(make_user: Callable[..., Person]) -> Person:
    return make_user("intake")


def _send(client: TestClient, who: Person, bodies: list[dict[str, object]]) -> dict[str, object]:
    r = client.post(BATCH, json={"reports": bodies}, headers={**who.headers, **ASYNC})
    assert r.status_code == 202, r.text
    assert r.headers["Preference-Applied"] == "respond-async"
    out: dict[str, object] = r.json()
    return out


def _triage(runtime: Runtime) -> int:
    return backlog.triage_waiting(
        runtime.sessions, runtime.clock, config=runtime.config, link_window=timedelta(hours=72)
    )


def _behind(runtime: Runtime) -> backlog.BacklogState:
    # What /metrics reports as watchfloor_intake_backlog_* (tests/test_metrics.py).
    with session_scope(runtime.sessions) as s:
        return backlog.state(s, runtime.clock.now())


def _count(runtime: Runtime, model: type) -> int:
    with session_scope(runtime.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_an_async_batch_is_stored_at_once_and_triaged_by_the_worker_with_its_arrival_time(
    client: TestClient,
    intake: Person,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    arrived = clock.now()
    urgent = report(1, text="He says he will kill myself tonight, he has the pills ready")
    bodies = [urgent, *(report(n) for n in range(2, 6))]
    out = _send(client, intake, bodies)
    assert out["accepted"] == 5 and out["duplicates"] == 0
    receipts = out["results"]
    assert isinstance(receipts, list)
    assert [r["status"] for r in receipts] == ["accepted"] * 5
    assert all(r["case"] is None and r["report_id"] is None for r in receipts)
    assert _count(runtime, Report) == 0 and _count(runtime, Case) == 0
    assert _behind(runtime).waiting == 5 and _behind(runtime).failing == 0

    clock.advance(timedelta(minutes=7))  # the worker is behind: the clocks still start at arrival
    assert run_once(runtime) >= 5
    assert _count(runtime, WaitingReport) == 0
    assert _behind(runtime).waiting == 0

    again = client.post("/api/v1/reports", json=urgent, headers=intake.headers)
    assert again.status_code == 200, again.text
    placed = again.json()
    assert placed["priority"] == "P0" and placed["harm_area"] == "self_harm"
    assert placed["received_at"] == arrived.isoformat().replace("+00:00", "Z")
    case = client.get(f"/api/v1/cases/{placed['case']}", headers=make_user("analyst").headers)
    assert case.status_code == 200, case.text
    assert case.json()["queue"] == "life-safety"
    with session_scope(runtime.sessions) as s:
        opened = s.scalars(select(Case.created_at)).all()
        assert opened and all(at == arrived for at in opened)
        assert audit.verify(s).ok

    # Sent again asynchronously, a triaged report answers with where it went.
    repeat = _send(client, intake, [urgent])
    assert repeat["results"] == [
        {
            "source": "in_app",
            "external_id": "r-1",
            "status": "triaged",
            "created": False,
            "report_id": placed["report_id"],
            "case": placed["case"],
            "received_at": placed["received_at"],
        }
    ]


def test_a_report_already_waiting_is_not_stored_twice(
    client: TestClient, intake: Person, runtime: Runtime, clock: SettableClock
) -> None:
    first = _send(client, intake, [report(1)])
    clock.advance(timedelta(seconds=30))
    out = _send(client, intake, [report(1), report(2), report(2)])
    statuses = [(r["status"], r["created"]) for r in out["results"]]  # type: ignore[union-attr]
    assert statuses == [("waiting", False), ("accepted", True), ("waiting", False)]
    assert out["accepted"] == 1 and out["duplicates"] == 2
    # A repeat names its first arrival, when its clocks started.
    results = out["results"]
    assert isinstance(results, list)
    assert results[0]["received_at"] == first["results"][0]["received_at"]  # type: ignore[index]
    assert _count(runtime, WaitingReport) == 2
    assert _triage(runtime) == 2
    assert _count(runtime, Report) == 2


def test_a_bad_async_batch_names_every_bad_field_and_stores_nothing(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    bodies = [report(1), report(2, category="no_such_area"), report(3, text="")]
    r = client.post(BATCH, json={"reports": bodies}, headers={**intake.headers, **ASYNC})
    assert r.status_code == 422, r.text
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("body", "reports", 2, "text") in locs
    r = client.post(BATCH, json={"reports": bodies[:2]}, headers={**intake.headers, **ASYNC})
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "reports", 1, "category"]]
    assert _count(runtime, WaitingReport) == 0


def test_a_report_whose_triage_fails_waits_with_its_error_and_the_others_go_on(
    client: TestClient, intake: Person, runtime: Runtime, clock: SettableClock
) -> None:
    _send(client, intake, [report(n) for n in range(1, 5)])
    with session_scope(runtime.sessions) as s:  # as if a newer version could not read it
        s.execute(
            update(WaitingReport)
            .where(WaitingReport.external_id == "r-3")
            .values(payload='{"source": "in_app"}')
        )

    assert _triage(runtime) == 3
    with session_scope(runtime.sessions) as s:
        stuck = s.scalars(select(WaitingReport)).one()
        assert stuck.external_id == "r-3" and stuck.attempts == 1
        assert stuck.last_error and "ValidationError" in stuck.last_error
        assert stuck.next_attempt_at == clock.now() + backlog.FIRST_RETRY
        assert s.scalar(select(func.count()).select_from(Report)) == 3
        assert audit.verify(s).ok
    assert _behind(runtime).waiting == 1 and _behind(runtime).failing == 1

    assert _triage(runtime) == 0  # not due yet
    clock.advance(backlog.FIRST_RETRY)
    assert _triage(runtime) == 0
    with session_scope(runtime.sessions) as s:
        stuck = s.scalars(select(WaitingReport)).one()
        assert stuck.attempts == 2
        assert stuck.next_attempt_at == clock.now() + 2 * backlog.FIRST_RETRY


def test_retries_wait_longer_each_time_up_to_an_hour() -> None:
    waits = [backlog.retry_after(n) for n in range(1, 12)]
    assert waits[:3] == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert waits == sorted(waits) and waits[-1] == timedelta(hours=1)
    assert backlog.retry_after(10_000) == timedelta(hours=1)


def test_workers_draining_at_once_triage_each_report_exactly_once(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    bodies = [report(n, subject={"kind": "account", "id": f"acct-{n % 7}"}) for n in range(300)]
    _send(client, intake, bodies[:150])
    _send(client, intake, bodies[150:])

    def drain() -> int:
        done = 0
        while (n := _triage_small(runtime)) > 0:
            done += n
        return done

    with ThreadPoolExecutor(4) as pool:
        totals = list(pool.map(lambda _: drain(), range(4)))
    assert sum(totals) == 300
    assert _count(runtime, Report) == 300 and _count(runtime, WaitingReport) == 0
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.sum(Case.report_count))) == 300
        assert audit.verify(s).ok


def _triage_small(runtime: Runtime) -> int:
    return backlog.triage_waiting(
        runtime.sessions,
        runtime.clock,
        config=runtime.config,
        link_window=timedelta(hours=72),
        limit=40,
    )


@pytest.mark.parametrize(
    ("headers", "wanted"),
    [
        (["respond-async"], True),
        (["Respond-Async, wait=10"], True),
        (["return=minimal", "respond-async; foo=bar"], True),
        (["return=representation"], False),
        (["respond-asynchronously"], False),
        (None, False),
    ],
)
def test_prefer_header_is_read_as_rfc_7240_says(headers: list[str] | None, wanted: bool) -> None:
    assert _prefers_async(headers) is wanted


def test_single_reports_sent_async_are_grouped_stored_and_answered_with_receipts(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    bodies = [report(n) for n in range(12)] + [report(3), report(99, category="nope")]
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda b: client.post(
                    "/api/v1/reports", json=b, headers={**intake.headers, **ASYNC}
                ),
                bodies,
            )
        )
    bad = answers.pop()
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["loc"] == ["body", "category"]
    assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
    assert all(a.headers["Preference-Applied"] == "respond-async" for a in answers)
    outcomes = sorted((a.json()["external_id"], a.json()["status"]) for a in answers)
    assert outcomes.count(("r-3", "accepted")) == 1 and outcomes.count(("r-3", "waiting")) == 1
    assert _count(runtime, WaitingReport) == 12 and _count(runtime, Report) == 0
    assert _triage(runtime) == 12
    assert _count(runtime, Report) == 12


def test_a_waiting_report_sent_again_without_the_preference_is_triaged_once(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    _send(client, intake, [report(1), report(2)])
    now = client.post("/api/v1/reports", json=report(1), headers=intake.headers)
    assert now.status_code == 201, now.text  # the sender needs the triage now: it gets it

    assert _triage(runtime) == 2  # both leave the backlog; r-1 was already stored
    assert _count(runtime, Report) == 2 and _count(runtime, WaitingReport) == 0
    again = client.post("/api/v1/reports", json=report(1), headers=intake.headers)
    assert again.status_code == 200 and again.json()["report_id"] == now.json()["report_id"]
