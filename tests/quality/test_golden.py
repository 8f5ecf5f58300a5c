"""Golden sets through the API and the worker, on both databases: a lead marks a decided case
golden with its agreed verdict; the worker mixes copies into its queue unannounced; whoever
pulls one sees an ordinary case; deciding it orders no action, notifies nobody and is scored;
the SLA sweep pages nobody for it; QA sampling, the team's counts and training leave it out,
and training learns from QA's final verdicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Person
from tests.factories import report
from watchfloor.audit import service as audit
from watchfloor.cases import decided
from watchfloor.cases.models import Action, Case
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.errors import ConfigError
from watchfloor.intake import volumes
from watchfloor.intake.models import Subject
from watchfloor.notify.models import OutboxEmail, OutboxEvent
from watchfloor.quality.config import load_quality
from watchfloor.quality.models import QaSample
from watchfloor.runtime import Runtime
from watchfloor.triage import service as triage
from watchfloor.worker import JOBS

THREAT = "He keeps posting that someone should beat me up after school"
THREAT_DECISION = {
    "policy_id": "VT-THREAT",
    "violation": True,
    "rationale": "A threat of violence against a minor.",
    "actions": [{"kind": "remove_content"}, {"kind": "notify_reporter"}],
}
CONFIG = Path(__file__).resolve().parents[2] / "config"
WRONG = {"policy_id": "SP-SPAM", "violation": True, "rationale": "Spam, not a real threat."}


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
    }


def decided_case(
    client: TestClient, people: dict[str, Person], n: int, *, text: str = THREAT
) -> str:
    body = report(
        n,
        text=text,
        subject={"kind": "account", "id": f"acct-{n}"},
        evidence=[{"kind": "text", "text": f"screenshot transcript {n}", "sensitivity": "none"}],
    )
    r = client.post("/api/v1/reports", json=body, headers=people["intake"].headers)
    assert r.status_code == 201, r.text
    key = str(r.json()["case"])
    r = client.post(
        f"/api/v1/cases/{key}/decision", json=THREAT_DECISION, headers=people["ana"].headers
    )
    assert r.status_code == 201, r.text
    return key


def mark(client: TestClient, people: dict[str, Person], key: str, **over: Any) -> Any:
    body = {
        "case": key,
        "policy_id": "VT-THREAT",
        "violation": True,
        "explanation": "A direct threat against a named child.",
        **over,
    }
    return client.post("/api/v1/qa/golden", json=body, headers=people["lena"].headers)


def golden_report(client: TestClient, people: dict[str, Person]) -> dict[str, Any]:
    r = client.get("/api/v1/qa/golden", headers=people["quinn"].headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def count_rows(runtime: Runtime, model: Any, *where: Any) -> int:
    with session_scope(runtime.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def events_about(runtime: Runtime, key: str) -> list[str]:
    with session_scope(runtime.sessions) as s:
        return [e.event_type for e in s.scalars(select(OutboxEvent)) if key in str(e.payload)]


def test_a_lead_marks_lists_and_retires_golden_cases(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    key = decided_case(client, people, 1)
    waiting = client.post(
        "/api/v1/reports", json=report(2, text=THREAT), headers=people["intake"].headers
    ).json()["case"]
    r = mark(client, people, key, policy_id="NOPE")
    assert r.status_code == 422 and "NOPE" in r.text
    assert mark(client, people, waiting).status_code == 409  # not decided
    assert mark(client, people, "CASE-999999").status_code == 404
    assert mark(client, people, "nonsense").status_code == 404
    r = mark(client, people, key, explanation="  ")
    assert r.status_code == 422 and "explanation" in r.text
    r = client.post(
        "/api/v1/qa/golden",
        json={"case": key, "policy_id": "VT-THREAT", "violation": True, "explanation": "x"},
        headers=people["quinn"].headers,
    )
    assert r.status_code == 403  # QA reviewers see the set; leads mark it

    r = mark(client, people, key)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["case"] == key and made["policy_id"] == "VT-THREAT" and made["copies"] == 0
    assert mark(client, people, key).status_code == 409  # already golden

    listed = golden_report(client, people)
    assert [g["case"] for g in listed["golden"]] == [key] and listed["analysts"] == []
    retire = f"/api/v1/qa/golden/{made['id']}/retire"
    r = client.post(retire, headers=people["lena"].headers)
    assert r.status_code == 200 and r.json()["retired_by"] == "lena"
    assert client.post(retire, headers=people["lena"].headers).status_code == 409
    assert (
        client.post("/api/v1/qa/golden/999/retire", headers=people["lena"].headers).status_code
        == 404
    )
    assert run(runtime, "qa-golden") == 0  # retired: no copies
    # Marked again, with another verdict: active again.
    r = mark(client, people, key, violation=False, policy_id="VT-INCITE")
    assert r.status_code == 201 and r.json()["retired_at"] is None, r.text
    with session_scope(runtime.sessions) as s:
        trail = [e.action for e in audit.trail_of(s, object_id=f"GOLD-{made['id']}")]
    assert trail == ["qa.golden_marked", "qa.golden_retired", "qa.golden_marked"]


def test_copies_are_ordinary_cases_decided_without_effect_and_scored(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    key = decided_case(client, people, 1)
    lead = people["lena"].headers
    original = client.get(f"/api/v1/cases/{key}", headers=lead).json()
    assert mark(client, people, key).status_code == 201
    events_before = count_rows(runtime, OutboxEvent)
    with session_scope(runtime.sessions) as s:
        violations = s.scalars(select(Subject.violations)).all()

    assert run(runtime, "qa-golden") == 1
    assert run(runtime, "qa-golden") == 0  # one a queue a day, and its copy is not decided yet

    # Ben pulls the next case: the copy, which reads like any case.
    r = client.post("/api/v1/next", headers=people["ben"].headers)
    assert r.status_code == 200, r.text
    copy = r.json()
    assert copy["key"] != key and "golden" not in r.text.lower()
    shown = client.get(f"/api/v1/cases/{copy['key']}", headers=people["ben"].headers)
    assert shown.status_code == 200 and "golden" not in shown.text.lower()
    detail = shown.json()
    for field in ("harm_area", "priority", "queue", "summary", "subject_id", "suggested_policy"):
        assert detail[field] == original[field], field
    assert detail["status"] == "assigned" and detail["decisions"] == []
    assert [r["text"] for r in detail["reports"]] == [r["text"] for r in original["reports"]]
    # Evidence shown the same way as on the original (to the same reader).
    theirs = client.get(f"/api/v1/cases/{key}", headers=people["ben"].headers).json()

    def evidence(case: dict[str, Any]) -> list[Any]:
        return [
            {k: v for k, v in e.items() if k not in {"id", "withheld"}}
            for r in case["reports"]
            for e in r["evidence"]
        ]

    assert evidence(detail) == evidence(theirs) and len(evidence(detail)) == 1
    item = detail["reports"][0]["evidence"][0]["id"]
    r = client.post(
        f"/api/v1/cases/{copy['key']}/evidence/{item}/reveal", headers=people["ben"].headers
    )
    assert r.status_code == 200 and r.json()["evidence"]["text"] == "screenshot transcript 1"
    assert at(detail["created_at"]) == clock.now()

    # Ben decides it wrongly: the decision is kept, nothing else happens.
    r = client.post(
        f"/api/v1/cases/{copy['key']}/decision",
        json={**WRONG, "actions": [{"kind": "notify_reporter"}, {"kind": "ban_account"}]},
        headers=people["ben"].headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "resolved" and r.json()["decisions"][0]["actions"] == []
    assert count_rows(runtime, OutboxEvent) == events_before
    with session_scope(runtime.sessions) as s:
        copy_id = s.scalar(select(Case.id).where(Case.golden_of_id.is_not(None)))
        assert s.scalar(select(func.count()).where(Action.case_id == copy_id)) == 0
        assert s.scalars(select(Subject.violations)).all() == violations

    scores = golden_report(client, people)
    [ben] = scores["analysts"]
    assert (ben["analyst"], ben["decided"], ben["correct"]) == ("ben", 1, 0)
    assert ben["accuracy"]["value"] == 0 and ben["accuracy"]["small"]
    assert scores["golden"][0]["copies"] == 1 and scores["golden"][0]["decided"] == 1

    # Next day another copy; Ana gets it right.
    assert run(runtime, "qa-golden") == 0  # same day
    clock.advance(timedelta(days=1))
    assert run(runtime, "qa-golden") == 1
    r = client.post("/api/v1/next", headers=people["ana"].headers)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/cases/{r.json()['key']}/decision",
        json=THREAT_DECISION,
        headers=people["ana"].headers,
    )
    assert r.status_code == 201, r.text
    by = {a["analyst"]: a for a in golden_report(client, people)["analysts"]}
    assert (by["ana"]["decided"], by["ana"]["correct"], by["ana"]["accuracy"]["value"]) == (
        1,
        1,
        1.0,
    )

    # QA sampling weighs them but never samples a copy; the team's counts leave them out.
    run(runtime, "qa-sample")
    with session_scope(runtime.sessions) as s:
        sampled = set(s.scalars(select(QaSample.case_key)))
        copies = {c.key for c in s.scalars(select(Case).where(Case.golden_of_id.is_not(None)))}
        assert len(copies) == 2 and not sampled & copies
        outcomes = decided.outcomes_between(
            s, start=clock.now() - timedelta(days=5), end=clock.now() + timedelta(days=1)
        )
        assert len(outcomes) == 1  # the original only
        # Nor are their reports arrivals: hourly volumes and the cluster search count none.
        window = {"start": clock.now() - timedelta(days=5), "end": clock.now() + timedelta(days=1)}
        assert (
            sum(sum(h.values()) for h in volumes.hourly_counts(s, **window, by="source").values())
            == 1
        )
        received = volumes.records_between(s, **window, limit=100)
        assert [r.case_key for r in received] == [key]


def test_the_sla_sweep_tells_nobody_about_a_copy(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    key = decided_case(client, people, 1)
    assert mark(client, people, key).status_code == 201
    assert run(runtime, "qa-golden") == 1
    with session_scope(runtime.sessions) as s:
        copy = s.scalars(select(Case).where(Case.golden_of_id.is_not(None))).one()
        copy_key, due, priority = copy.key, copy.resolve_due_at, copy.priority
    assert priority == 1  # P1: a real case breaching at P1 pages on-call
    run(runtime, "coverage-gaps")  # nor is a lead paged because nobody on shift could take it
    clock.set(due + timedelta(seconds=1))
    assert run(runtime, "sla-sweep") >= 1
    shown = client.get(f"/api/v1/cases/{copy_key}", headers=people["lena"].headers).json()
    assert shown["sla"]["first_action"]["state"] == "breached"  # its clocks look real
    assert events_about(runtime, copy_key) == []
    assert count_rows(runtime, OutboxEmail) == 0
    pages = client.get("/api/v1/pages", headers=people["lena"].headers).json()
    assert [p for p in pages if p["case_key"] == copy_key] == []
    assert run(runtime, "sla-sweep") == 0


def test_training_learns_final_verdicts_and_skips_copies(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    spam = "This account keeps posting spam links to a fake giveaway."
    first = decided_case(client, people, 1, text=spam)  # decided VT-THREAT: QA overrules it
    second = decided_case(client, people, 2)  # golden as not a violation
    third = decided_case(client, people, 3, text="phishing: verify your account here")
    assert run(runtime, "qa-sample") == 3
    quinn, lena = people["quinn"].headers, people["lena"].headers
    sample = next(
        s for s in client.get("/api/v1/qa/queue", headers=quinn).json() if s["case"] == first
    )
    client.post(f"/api/v1/qa/samples/{sample['id']}/claim", headers=quinn)
    r = client.post(
        f"/api/v1/qa/samples/{sample['id']}/review",
        json={"policy_id": "SP-SPAM", "violation": True, "rationale": "Spam, not a threat."},
        headers=quinn,
    )
    assert r.json()["status"] == "to_adjudicate", r.text
    r = client.post(
        f"/api/v1/qa/samples/{sample['id']}/adjudicate",
        json={"policy_id": "SP-SPAM", "violation": True, "note": "Spam."},
        headers=lena,
    )
    assert r.status_code == 200, r.text
    assert mark(client, people, second, violation=False).status_code == 201
    assert run(runtime, "qa-golden") == 1
    copy = client.post("/api/v1/next", headers=people["ben"].headers).json()["key"]
    r = client.post(
        f"/api/v1/cases/{copy}/decision", json=THREAT_DECISION, headers=people["ben"].headers
    )
    assert r.status_code == 201, r.text

    with session_scope(runtime.sessions) as s:
        examples = triage.decided_examples(s, runtime.config.taxonomy)
        keys = {c.key: c.id for c in s.scalars(select(Case))}
    labels = {e.text: e.areas for e in examples}
    assert len(examples) == 3  # the copy's report is not one of them
    assert labels[spam] == frozenset({"spam_manipulation"})  # the ruling, not the decision
    assert labels[THREAT] == frozenset()  # the golden verdict: not a violation
    assert labels["phishing: verify your account here"] == frozenset({"violence_threats"})
    assert {first, second, third, copy} <= set(keys)


def test_the_golden_section_is_validated(tmp_path: Path) -> None:
    shipped = (CONFIG / "quality.yaml").read_text(encoding="utf-8")
    assert load_quality(CONFIG).golden.per_queue_per_day == 1
    (tmp_path / "quality.yaml").write_text(
        shipped.replace("per_queue_per_day: 1", "per_queue_per_day: -1"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_quality(tmp_path)
    assert "golden.per_queue_per_day" in str(caught.value)
