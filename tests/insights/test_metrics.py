"""Metrics over a range and a filter, through the API, from the summary tables the worker's
insights-rollup job keeps, on both databases."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.insights import histogram
from watchfloor.insights.models import InsightRollupState
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

DAY = datetime(2026, 11, 2, tzinfo=UTC)
PHISHING = "phishing: verify your account here"
DECIDE = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "Phishing links sent to many users, confirmed against the policy.",
    "actions": [{"kind": "remove_content"}],
}
RANGE = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"}


def rollup(runtime: Runtime) -> int:
    job = next(j for j in JOBS if j.name == "insights-rollup")
    return job.run(runtime)


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "lead")}


def open_case(client: TestClient, intake: Person, n: int, **overrides: object) -> str:
    body = report(n, text=PHISHING, **overrides)
    r = client.post("/api/v1/reports", json=body, headers=intake.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def decide(client: TestClient, who: Person, key: str, **overrides: object) -> None:
    r = client.post(
        f"/api/v1/cases/{key}/decision", json={**DECIDE, **overrides}, headers=who.headers
    )
    assert r.status_code == 201, r.text


def metrics(client: TestClient, who: Person, **params: str) -> dict[str, Any]:
    r = client.get("/api/v1/insights/metrics", params={**RANGE, **params}, headers=who.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def near(read: float | None, true: float) -> bool:
    assert read is not None
    return abs(read - true) <= true * histogram.RELATIVE_ERROR + 1e-9


def a_day_of_work(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> dict[str, str]:
    """A: decided after 10 min. B: decided after 1 h, reopened, decided again differently.
    C (US, de): left open. G: decided, then made a golden copy (not the team's work)."""
    analyst = people["analyst"]
    clock.set(DAY + timedelta(hours=6))
    keys = {
        "A": open_case(client, people["intake"], 1),
        "B": open_case(client, people["intake"], 2),
        "C": open_case(client, people["intake"], 3, region="US", language="de"),
        "G": open_case(client, people["intake"], 4),
    }
    clock.set(DAY + timedelta(hours=6, minutes=10))
    decide(client, analyst, keys["A"])
    decide(client, analyst, keys["G"])
    clock.set(DAY + timedelta(hours=7))
    decide(client, analyst, keys["B"])
    clock.set(DAY + timedelta(hours=8))
    r = client.post(
        f"/api/v1/cases/{keys['B']}/transitions", json={"action": "reopen"}, headers=analyst.headers
    )
    assert r.status_code == 200, r.text
    clock.set(DAY + timedelta(hours=8, minutes=30))
    decide(client, analyst, keys["B"], policy_id="FR-IMPERSONATION")
    with session_scope(runtime.sessions) as s:
        s.execute(
            update(Case)
            .where(Case.id == parse_case_key(keys["G"]))
            .values(golden_of_id=parse_case_key(keys["A"]))
        )
    clock.set(DAY + timedelta(hours=9))
    return keys


def test_a_day_of_work_is_counted_exactly(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    a_day_of_work(client, runtime, clock, people)
    lead = people["lead"]
    before = metrics(client, lead)
    assert before["fresh_as_of"] is None and before["opened"] == 0

    assert rollup(runtime) > 0
    m = metrics(client, lead)
    assert m["fresh_as_of"].startswith("2026-11-02T09:00:00")
    assert m["start"].startswith("2026-11-02T00:00:00") and m["end"].startswith("2026-11-03")
    assert m["opened"] == 3  # the golden copy is left out
    assert m["volume"]["region"] == {"EU": 2, "US": 1}
    assert m["volume"]["language"] == {"en": 2, "de": 1}
    assert m["volume"]["source"] == {"in_app": 3}
    # First action: A after 600 s, B after 3600 s. Resolution: A 600 s, B 9000 s (its last).
    fa, res = m["first_action"], m["resolution"]
    assert fa["count"] == 2 and near(fa["p50"], 600) and near(fa["p90"], 3600)
    assert res["count"] == 2 and near(res["p50"], 600) and near(res["p99"], 9000)
    assert m["sla_first_action"]["met"] + m["sla_first_action"]["missed"] == 2
    assert m["decisions"] == {"FR-PHISHING": 2, "FR-IMPERSONATION": 1}
    assert m["violations"]["count"] == 3 and m["violations"]["of"] == 3
    assert m["actions"] == {"remove_content": 3}
    # Three resolutions (A, B, B again), one reopen; B decided again under another policy.
    assert (m["reopened"]["count"], m["reopened"]["of"]) == (1, 3)
    assert (m["overturned"]["count"], m["overturned"]["of"]) == (1, 1)
    assert 0 < m["overturned"]["low"] <= 1 == m["overturned"]["share"]
    # C is open, opened 3 h before the figures' time.
    backlog = m["backlog"]
    assert backlog["open"] == 1 and backlog["by_age"]["1-4 h"] == 1
    assert backlog["age"]["p50"] == 3 * 3600 and backlog["at"].startswith("2026-11-02T09:00")
    day = m["days"][0]
    assert (day["day"], day["opened"], day["resolved"]) == ("2026-11-02", 3, 3)
    assert len(m["days"]) == 1

    us = metrics(client, lead, region="US")
    assert us["opened"] == 1 and us["first_action"]["count"] == 0 and us["decisions"] == {}
    assert us["volume"]["region"] == {"US": 1} and us["volume"]["language"] == {"de": 1}
    assert us["backlog"]["open"] == 1
    both = metrics(client, lead, region="EU", harm_area="fraud_scams")
    assert both["opened"] == 2 and both["decisions"] == m["decisions"]
    assert both["backlog"]["open"] == 0 and both["reopened"]["count"] == 1
    # Two filters: volume only by the filtered dimensions.
    assert both["volume"] == {"harm_area": {"fraud_scams": 2}, "region": {"EU": 2}}
    # Three and four filters are counted from the per-case rows: the same figures where the
    # extra filters keep the same cases, nothing where they keep none.
    three = metrics(client, lead, region="EU", harm_area="fraud_scams", language="en")
    moving = {"filter", "volume"}
    assert {k: v for k, v in three.items() if k not in moving} == {
        k: v for k, v in both.items() if k not in moving
    }
    assert three["volume"] == {**both["volume"], "language": {"en": 2}}
    four = metrics(
        client, lead, region="US", harm_area="fraud_scams", language="de", source="in_app"
    )
    assert four["opened"] == 1 and four["backlog"]["open"] == 1 and four["decisions"] == {}
    assert metrics(client, lead, region="US", language="en", source="in_app")["opened"] == 0
    assert metrics(client, lead, source="email")["opened"] == 0
    # A range that ends mid-day is counted by whole UTC days, and says so.
    part = metrics(client, lead, **{"from": "2026-11-02T07:00:00Z", "to": "2026-11-02T08:00:00Z"})
    assert part["start"].startswith("2026-11-02T00:00") and part["opened"] == 3
    assert part["requested_start"].startswith("2026-11-02T07:00")
    assert (
        metrics(client, lead, **{"from": "2026-11-03T00:00:00Z", "to": "2026-11-04T00:00:00Z"})[
            "opened"
        ]
        == 0
    )


def test_running_again_never_counts_twice(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    keys = a_day_of_work(client, runtime, clock, people)
    lead = people["lead"]
    rollup(runtime)
    first = metrics(client, lead)
    # Within a minute of the last run the job waits; later, nothing changed: same figures.
    assert rollup(runtime) == 0
    clock.advance(timedelta(minutes=2))
    rollup(runtime)
    again = metrics(client, lead)
    moving = {"fresh_as_of", "backlog"}  # the backlog is counted at the figures' time
    assert {k: v for k, v in again.items() if k not in moving} == {
        k: v for k, v in first.items() if k not in moving
    }
    assert again["backlog"]["open"] == first["backlog"]["open"] == 1
    # The watermark lost: every case is read again, and still counted once.
    with session_scope(runtime.sessions) as s:
        s.execute(delete(InsightRollupState))
    clock.advance(timedelta(minutes=2))
    rollup(runtime)
    assert (
        metrics(client, lead)["opened"] == 3
        and metrics(client, lead)["decisions"] == first["decisions"]
    )
    # A change moves a case's counts rather than adding to them: C decided, A reopened.
    decide(client, people["analyst"], keys["C"])
    r = client.post(
        f"/api/v1/cases/{keys['A']}/transitions",
        json={"action": "reopen"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 200, r.text
    clock.advance(timedelta(minutes=2))
    rollup(runtime)
    m = metrics(client, lead)
    assert m["opened"] == 3 and m["resolution"]["count"] == 2  # C resolved, A open again
    assert (m["reopened"]["count"], m["reopened"]["of"]) == (2, 4)
    assert m["backlog"]["open"] == 1 and m["decisions"]["FR-PHISHING"] == 3


def test_bad_filters_and_ranges_are_422_naming_them(
    client: TestClient, people: dict[str, Person]
) -> None:
    lead = people["lead"]
    r = client.get(
        "/api/v1/insights/metrics", params={**RANGE, "harm_area": "nope"}, headers=lead.headers
    )
    assert r.status_code == 422 and "unknown harm area 'nope'" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"] == ["query", "harm_area"]
    three = {"harm_area": "fraud_scams", "region": "EU", "language": " "}
    r = client.get("/api/v1/insights/metrics", params=three, headers=lead.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "language"]
    r = client.get("/api/v1/insights/metrics", params={"region": "*"}, headers=lead.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "region"]
    r = client.get(
        "/api/v1/insights/metrics",
        params={"from": "2026-11-03T00:00:00Z", "to": "2026-11-02T00:00:00Z"},
        headers=lead.headers,
    )
    assert r.status_code == 422
    r = client.get("/api/v1/insights/metrics", headers=people["analyst"].headers)
    assert r.status_code == 403


def test_the_page_says_how_fresh_the_figures_are(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    people: dict[str, Person],
    make_user: Callable[..., Person],
) -> None:
    a_day_of_work(client, runtime, clock, people)
    make_user("lead", "lena", PASSWORD)
    sign_in(client, "lena")
    page = client.get("/insights/metrics", params={"from": "2026-11-02", "to": "2026-11-02"})
    assert page.status_code == 200 and "No figures yet" in page.text
    rollup(runtime)
    clock.advance(timedelta(minutes=5))
    page = client.get("/insights/metrics", params={"from": "2026-11-02", "to": "2026-11-02"})
    html = page.text
    assert "Figures complete up to 09:00 UTC on 2026-11-02 (5 minutes ago)" in html
    assert "Volume: 3 cases opened" in html and "Backlog: 1 open" in html
    assert '<th scope="row">FR-IMPERSONATION</th><td>1</td>' in html
    assert "Overturned after reopen" in html and "<caption>" in html
    bad = client.get("/insights/metrics", params={"harm_area": "nope"})
    assert bad.status_code == 422 and "unknown harm area" in bad.text


def test_percentiles_from_buckets_stay_within_the_bound() -> None:
    rng = random.Random(7)
    for _ in range(200):
        values = [rng.lognormvariate(7, 2) for _ in range(rng.randint(1, 300))]
        counts = histogram.histogram(values)
        ordered = sorted(values)
        for p in (0.5, 0.9, 0.99):
            true = ordered[max(1, math.ceil(p * len(ordered))) - 1]
            read = histogram.percentile(counts, p)
            assert read is not None
            if true < 1:
                assert abs(read - true) <= histogram.ABSOLUTE_ERROR_UNDER_A_SECOND
            else:
                assert abs(read - true) <= true * histogram.RELATIVE_ERROR + 1e-9


def test_histograms_merge_by_adding_counts() -> None:
    a, b = [5.0, 60.0, 3600.0], [0.2, 7200.0]
    merged = histogram.histogram(a)
    for bucket, n in histogram.histogram(b).items():
        merged[bucket] = merged.get(bucket, 0) + n
    assert merged == histogram.histogram(a + b)
    assert histogram.durations({}).p50 is None and histogram.percentile({}, 0.5) is None
    assert histogram.bucket_of(-3) == histogram.UNDER_A_SECOND
    assert histogram.exact_durations([3.0, 1.0, 2.0]).p50 == 2.0


def test_qa_accuracy_counts_final_verdicts_only(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    people: dict[str, Person],
    make_user: Callable[..., Person],
) -> None:
    quinn = make_user("qa").headers
    lead = people["lead"]
    clock.set(DAY + timedelta(hours=6))
    for n in range(1, 5):
        decide(client, people["analyst"], open_case(client, people["intake"], n))
    next(j for j in JOBS if j.name == "qa-sample").run(runtime)
    queue = client.get("/api/v1/qa/queue", headers=quinn).json()
    first, second = queue[0]["id"], queue[1]["id"]
    same = {"policy_id": "FR-PHISHING", "violation": True, "rationale": "Clear phishing."}
    other = {"policy_id": "SP-SPAM", "violation": True, "rationale": "Spam, not phishing."}
    for sample, body in ((first, same), (second, other)):
        client.post(f"/api/v1/qa/samples/{sample}/claim", headers=quinn)
        r = client.post(f"/api/v1/qa/samples/{sample}/review", json=body, headers=quinn)
        assert r.status_code in (200, 201), r.text
    clock.set(DAY + timedelta(hours=7))
    rollup(runtime)
    qa = metrics(client, lead)["qa_accuracy"]
    assert (qa["count"], qa["of"]) == (1, 1)  # the disagreement waits for a lead's ruling
    r = client.post(
        f"/api/v1/qa/samples/{second}/adjudicate",
        json={"policy_id": "SP-SPAM", "violation": True, "note": "The reviewer is right."},
        headers=lead.headers,
    )
    assert r.status_code in (200, 201), r.text
    clock.set(DAY + timedelta(hours=8))
    rollup(runtime)
    qa = metrics(client, lead)["qa_accuracy"]
    assert (qa["count"], qa["of"]) == (1, 2)
    assert metrics(client, lead, region="US")["qa_accuracy"]["of"] == 0
