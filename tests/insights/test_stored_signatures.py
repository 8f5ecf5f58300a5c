"""The emerging-cluster pass reads the text signatures the linking room stored (job index-texts)
and signs only the reports not indexed yet; the clusters found are the same either way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.insights.test_insights_api import LURE, send
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.triage.linking import minhash, similar


def test_the_cluster_pass_uses_stored_signatures_and_signs_only_new_reports(
    client: TestClient,
    make_user: Callable[..., Person],
    clock: SettableClock,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    begin = clock.now()
    ids = []
    for n in range(1, 4):  # unrelated reports the day before, one too short to sign
        clock.set(begin + timedelta(hours=n))
        ids.append(send(client, intake, n, **({"text": "scam!! see above"} if n == 3 else {})))
    for i in range(6):
        clock.set(begin + timedelta(hours=30, minutes=20 * i))
        ids.append(
            send(
                client,
                intake,
                100 + i,
                text=LURE.format(fee=f"${2 + i}.99"),
                subject={"kind": "account", "id": f"sender-{i}"},
            )
        )
    clock.advance(timedelta(minutes=10))
    unindexed = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert unindexed.status_code == 200, unindexed.text

    assert similar.index_pending(runtime.sessions, runtime.clock) == len(ids)
    report_ids = [int(r["report_id"]) for r in ids]
    with session_scope(runtime.sessions) as session:
        stored = similar.signatures_of(session, report_ids=[*report_ids, 999_999])
    assert set(stored) == set(report_ids)  # an unknown or unindexed report is left out
    assert stored[report_ids[2]] == b""  # too short: stored as such, never signed again
    assert stored[report_ids[3]] == minhash.signature(LURE.format(fee="$2.99"))

    signed: list[str] = []
    real = minhash.signature

    def counted(text: str) -> Any:
        signed.append(text)
        return real(text)

    monkeypatch.setattr(minhash, "signature", counted)
    indexed = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert indexed.status_code == 200 and signed == []
    assert indexed.json() == unindexed.json()
    [cluster] = indexed.json()
    assert cluster["size"] == 6 and cluster["recent"] == 6

    # A report that arrived after the last indexing run is signed by the pass, and only it.
    clock.advance(timedelta(minutes=5))
    late = LURE.format(fee="$9.99")
    send(client, intake, 200, text=late, subject={"kind": "account", "id": "sender-9"})
    grown = client.get("/api/v1/insights/clusters", headers=lead.headers)
    assert grown.status_code == 200 and signed == [late]
    assert grown.json()[0]["size"] == 7
