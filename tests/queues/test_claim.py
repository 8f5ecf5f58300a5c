"""Claiming the next case: the most urgent first, and never the same case twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.factories import report
from watchfloor.audit.models import AuditEvent
from watchfloor.auth import service as auth
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.queues import service as queues
from watchfloor.runtime import Runtime


def submit(client: TestClient, who: Person, n: int, text: str, **kw: object) -> str:
    r = client.post("/api/v1/reports", json=report(n, text=text, **kw), headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def test_next_gives_priority_then_deadline_then_age(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    intake, analyst = make_user("intake"), make_user("analyst")
    p3_old = submit(client, intake, 1, "lots of spam and fake followers")
    clock.advance(timedelta(minutes=1))
    p2 = submit(client, intake, 2, "this is a scam, fake giveaway", category="fraud_scams")
    clock.advance(timedelta(minutes=1))
    p3_new = submit(client, intake, 3, "more spam, buy followers here")
    clock.advance(timedelta(minutes=1))
    # Same priority, opened later: its deadline is later, so it comes second.
    p2_later = submit(client, intake, 4, "crypto investment scam")
    claimed = []
    for queue in ("fraud-scams", "fraud-scams", "general", "general"):
        r = client.post(f"/api/v1/queues/{queue}/next", headers=analyst.headers)
        assert r.status_code == 200, r.text
        assert r.json()["assignee"] == analyst.username and r.json()["status"] == "assigned"
        claimed.append(r.json()["key"])
    assert claimed == [p2, p2_later, p3_old, p3_new]
    assert client.post("/api/v1/queues/general/next", headers=analyst.headers).status_code == 204


def test_p0_goes_to_life_safety_before_anything_else(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    intake, analyst = make_user("intake"), make_user("analyst")
    submit(client, intake, 1, "he said he will beat you up")
    clock.advance(timedelta(minutes=5))
    urgent = submit(client, intake, 2, "he is going to kill her tonight")
    r = client.post("/api/v1/queues/life-safety/next", headers=analyst.headers)
    assert r.json()["key"] == urgent and r.json()["priority"] == "P0"
    r = client.post("/api/v1/queues/life-safety/next", headers=analyst.headers)
    assert r.status_code == 204


def test_unknown_queue_is_404_naming_the_queues(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    r = client.post("/api/v1/queues/nope/next", headers=make_user("analyst").headers)
    assert r.status_code == 404
    assert "life-safety" in r.json()["detail"]


def test_queue_counts(client: TestClient, make_user: Callable[..., Person]) -> None:
    intake = make_user("intake")
    submit(client, intake, 1, "spam spam")
    submit(client, intake, 2, "i want to kill myself")
    queues_ = client.get("/api/v1/queues", headers=make_user("viewer").headers).json()
    by_name = {q["name"]: q for q in queues_}
    assert by_name["life-safety"]["waiting"]["P0"] == 1
    assert by_name["general"]["waiting_total"] == 1


@pytest.mark.postgres_only
def test_twenty_concurrent_claimers_never_share_a_case(
    runtime: Runtime, client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake = make_user("intake")
    batch = [report(i, subject={"kind": "account", "id": f"a{i}"}) for i in range(120)]
    r = client.post("/api/v1/reports/batch", json={"reports": batch}, headers=intake.headers)
    assert r.json()["cases_opened"] == 120
    analysts = [make_user("analyst") for _ in range(20)]
    with session_scope(runtime.sessions) as session:
        users = [auth.get_or_raise(session, username=a.username) for a in analysts]
    got: dict[str, list[str]] = {a.username: [] for a in analysts}
    start = threading.Barrier(len(users))
    errors: list[BaseException] = []

    def claim_all(user_index: int) -> None:
        user = users[user_index]
        start.wait()
        try:
            while True:
                with session_scope(runtime.sessions) as session:
                    case = queues.claim_next(
                        session,
                        runtime.clock,
                        queues=runtime.config.queues,
                        queue="fraud-scams",
                        analyst=user,
                        taxonomy=runtime.config.taxonomy,
                    )
                    if case is None:
                        return
                    got[user.username].append(case.key)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    keys = [k for ks in got.values() for k in ks]
    assert len(keys) == 120
    assert len(set(keys)) == 120, "a case was claimed twice"
    assert sum(1 for ks in got.values() if ks) > 1, "claims did not actually run concurrently"
    with session_scope(runtime.sessions) as session:
        assigned = Counter(
            session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "case.assign"))
        )
    assert set(assigned.values()) == {1} and len(assigned) == 120
