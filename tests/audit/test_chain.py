"""The audit chain: every change recorded, and any edit or deletion found by verify."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from watchfloor.audit import service as audit
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(db_url, *args)


def seed(client: TestClient, make_user: Callable[..., Person]) -> None:
    intake = make_user("intake")
    batch = [report(i, subject={"kind": "account", "id": f"s{i % 4}"}) for i in range(12)]
    client.post("/api/v1/reports/batch", json={"reports": batch}, headers=intake.headers)
    analyst = make_user("analyst")
    client.post("/api/v1/queues/fraud-scams/next", headers=analyst.headers)


def test_intact_chain_verifies(
    client: TestClient, runtime: Runtime, db_url: str, make_user: Callable[..., Person]
) -> None:
    seed(client, make_user)
    with session_scope(runtime.sessions) as s:
        result = audit.verify(s)
    assert result.ok and result.events >= 8
    done = cli(db_url, "audit", "verify")
    assert done.returncode == 0 and done.stdout.startswith("OK:"), done.stderr
    lead = make_user("lead")
    r = client.get("/api/v1/audit/verify", headers=lead.headers)
    assert r.json()["ok"] is True


def test_an_edited_event_is_named(
    client: TestClient, runtime: Runtime, db_url: str, make_user: Callable[..., Person]
) -> None:
    seed(client, make_user)
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'user:mallory' WHERE id = 5"))
    done = cli(db_url, "audit", "verify")
    assert done.returncode == 1
    assert "event #5 (chain " in done.stderr and "edited" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_deleted_event_is_named(
    client: TestClient, runtime: Runtime, db_url: str, make_user: Callable[..., Person]
) -> None:
    seed(client, make_user)
    with runtime.engine.begin() as conn:
        chain, seq = conn.execute(
            text("SELECT chain, seq FROM audit_events WHERE seq > 1 ORDER BY id LIMIT 1")
        ).one()
        conn.execute(
            text("DELETE FROM audit_events WHERE chain = :c AND seq = :s"),
            {"c": chain, "s": seq - 1},
        )
    with session_scope(runtime.sessions) as s:
        result = audit.verify(s)
    assert not result.ok and result.seq == seq - 1 and "missing" in (result.problem or "")
    assert f"chain {chain}:" in (result.problem or "")


def test_deleting_the_newest_events_is_found(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    seed(client, make_user)
    with runtime.engine.begin() as conn:
        last = conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": last})
    with session_scope(runtime.sessions) as s:
        result = audit.verify(s)
    assert not result.ok and "deleted" in (result.problem or "")


def test_a_rolled_back_change_leaves_no_audit_event(runtime: Runtime) -> None:
    try:
        with session_scope(runtime.sessions) as s:
            audit.record(
                s,
                at=runtime.clock.now(),
                actor="system:test",
                action="x.y",
                object_type="x",
                object_id="1",
            )
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(runtime.sessions) as s:
        assert audit.verify(s).events == 0
