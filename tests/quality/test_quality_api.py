"""Quality review through the API and the worker, on both databases: sampling by the rules with
their reasons, blind review (the decision hidden until the reviewer's own is in), adjudication,
feedback acknowledged or disputed and settled by a lead, and the agreement tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.clock import SettableClock
from watchfloor.quality import sampling
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

PHISHING = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "A phishing link sent to many users.",
    "actions": [{"kind": "remove_content"}],
}


def run(runtime: Runtime, name: str) -> int:
    return next(j for j in JOBS if j.name == name).run(runtime)


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "ana": make_user("analyst", "ana"),
        "ben": make_user("analyst", "ben"),
        "quinn": make_user("qa", "quinn"),
        "lena": make_user("lead", "lena"),
        "viewer": make_user("viewer"),
    }


def decide(
    client: TestClient, people: dict[str, Person], who: str, n: int, body: dict[str, Any]
) -> str:
    r = client.post(
        "/api/v1/reports",
        json=report(
            n, text="phishing: verify your account here", subject={"kind": "account", "id": f"a{n}"}
        ),
        headers=people["intake"].headers,
    )
    key = str(r.json()["case"])
    r = client.post(f"/api/v1/cases/{key}/decision", json=body, headers=people[who].headers)
    assert r.status_code == 201, r.text
    return key


def test_sampling_picks_by_the_rules_once_with_reasons(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    keys = [decide(client, people, "ana", n, PHISHING) for n in range(1, 13)]
    assert run(runtime, "qa-sample") == 12
    assert run(runtime, "qa-sample") == 0  # each decision is weighed once
    queue = client.get("/api/v1/qa/queue", headers=people["quinn"].headers).json()
    # Decided at once (no claim first): "fast"; ana is new; fraud's weekly minimum is 3.
    reasons = {s["case"]: s["reasons"] for s in queue}
    assert set(reasons) <= set(keys) and len(reasons) >= 3
    assert sum("weekly minimum for fraud_scams" in r for r in reasons.values()) == 3
    expected = {
        k
        for i, k in enumerate(keys)
        if sampling.share(i + 1, "new") < 50
        or sampling.share(i + 1, "fast") < 30
        or sampling.share(i + 1, "analyst") < 5
    }
    assert expected <= set(reasons)
    # Nobody reviews their own decisions: ana's queue has none of them.
    assert client.get("/api/v1/qa/queue", headers=people["lena"].headers).json()
    ana = client.get("/api/v1/qa/queue", headers=people["ana"].headers)
    assert ana.status_code == 403  # analysts do not review


def test_blind_review_adjudication_feedback_and_agreement(
    client: TestClient, runtime: Runtime, people: dict[str, Person], clock: SettableClock
) -> None:
    for n in range(1, 5):
        decide(client, people, "ana", n, PHISHING)
    run(runtime, "qa-sample")
    quinn, lena = people["quinn"].headers, people["lena"].headers
    queue = client.get("/api/v1/qa/queue", headers=quinn).json()
    assert len(queue) >= 3 and all(s["original"] is None and s["analyst"] is None for s in queue)
    first, second = queue[0]["id"], queue[1]["id"]

    claimed = client.post(f"/api/v1/qa/samples/{first}/claim", headers=quinn).json()
    assert claimed["status"] == "in_review" and claimed["original"] is None
    assert "phishing" in claimed["reports"][0]
    # Someone else cannot take it, nor review it.
    assert client.post(f"/api/v1/qa/samples/{first}/claim", headers=lena).status_code == 409
    body = {"policy_id": "FR-PHISHING", "violation": True, "rationale": "Clear phishing."}
    assert (
        client.post(f"/api/v1/qa/samples/{first}/review", json=body, headers=lena).status_code
        == 409
    )
    bad = client.post(
        f"/api/v1/qa/samples/{first}/review", json={**body, "policy_id": "NOPE"}, headers=quinn
    )
    assert bad.status_code == 422 and "NOPE" in bad.text
    agreed = client.post(f"/api/v1/qa/samples/{first}/review", json=body, headers=quinn).json()
    assert agreed["status"] == "agreed" and agreed["original"] == {
        "policy_id": "FR-PHISHING",
        "violation": True,
    }
    assert agreed["analyst"] == "ana" and agreed["final"] == agreed["original"]

    client.post(f"/api/v1/qa/samples/{second}/claim", headers=quinn)
    differ = {
        "policy_id": "SP-SPAM",
        "violation": True,
        "rationale": "This is spam, not phishing.",
        "note_to_analyst": "Look for a credential form before calling it phishing.",
    }
    r = client.post(f"/api/v1/qa/samples/{second}/review", json=differ, headers=quinn).json()
    assert r["status"] == "to_adjudicate" and r["final"] is None

    # Ana sees the note and disputes it; the lead upholds it, which settles the verdict.
    mine = client.get("/api/v1/qa/feedback", headers=people["ana"].headers).json()
    assert [f["note"] for f in mine] == [differ["note_to_analyst"]]
    fid = mine[0]["id"]
    assert (
        client.post(
            f"/api/v1/qa/feedback/{fid}/answer",
            json={"dispute": True},
            headers=people["ana"].headers,
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/qa/feedback/{fid}/answer",
            json={"dispute": True, "response": "x"},
            headers=people["ben"].headers,
        ).status_code
        == 403
    )
    disputed = client.post(
        f"/api/v1/qa/feedback/{fid}/answer",
        json={"dispute": True, "response": "The link asked for a password: phishing."},
        headers=people["ana"].headers,
    ).json()
    assert disputed["state"] == "disputed"
    assert [d["id"] for d in client.get("/api/v1/qa/disputes", headers=lena).json()] == [fid]
    settled = client.post(
        f"/api/v1/qa/feedback/{fid}/resolve",
        json={"outcome": "overturned", "note": "Credential form seen."},
        headers=lena,
    ).json()
    assert settled["state"] == "overturned"
    sample = client.get(f"/api/v1/qa/samples/{second}", headers=quinn).json()
    assert sample["status"] == "adjudicated" and sample["final"] == {
        "policy_id": "FR-PHISHING",
        "violation": True,
    }

    clock.advance(timedelta(minutes=5))
    rows = client.get("/api/v1/qa/agreement", params={"by": "analyst"}, headers=lena).json()
    ana = next(r for r in rows if r["group"] == "ana")
    assert ana["reviewed"] == 2 and ana["agreement"]["value"] == 0.5
    assert (
        ana["accuracy"]["value"] == 1.0 and ana["accuracy"]["n"] == 2
    )  # overturned: ana was right
    assert ana["kappa"]["small"] is True and "too few" in ana["kappa"]["text"]
    assert rows[-1]["group"] == "all"
    bad = client.get("/api/v1/qa/agreement", params={"by": "moon"}, headers=lena)
    assert bad.status_code == 422
    bad = client.get(
        "/api/v1/qa/agreement",
        params={"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=lena,
    )
    assert bad.status_code == 422 and "before" in bad.text
    assert (
        client.post(
            f"/api/v1/qa/samples/{first}/adjudicate",
            json={"policy_id": "FR-PHISHING", "violation": True, "note": "x"},
            headers=quinn,
        ).status_code
        == 403
    )


def test_a_reviewer_never_takes_their_own_decision(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    for n in range(1, 4):
        decide(client, people, "lena", n, PHISHING)
    run(runtime, "qa-sample")
    own = client.get("/api/v1/qa/queue", headers=people["lena"].headers).json()
    assert own == []
    others = client.get("/api/v1/qa/queue", headers=people["quinn"].headers).json()
    r = client.post(f"/api/v1/qa/samples/{others[0]['id']}/claim", headers=people["lena"].headers)
    assert r.status_code == 403 and "own decision" in r.json()["detail"]
