"""The second look: the worker's second stage re-reads the reports the first stage was unsure
about and makes their cases more urgent, with its reason on the case and in the audit trail.

The second stage here is a small test double with the real one's shape (name, thresholds,
blend thresholds, scores): it "recognises" the texts it is given, as a sentence-embedding model
would recognise what they mean, so these tests are about the cascade, not about any model's
quality. The first stage is the real one: the second look blends its stored scores with the
double's, so the tests read those scores back rather than assume them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.factories import report
from watchfloor import worker
from watchfloor.cases.schemas import case_key
from watchfloor.clock import SettableClock
from watchfloor.db import make_engine, session_scope
from watchfloor.intake.models import Report
from watchfloor.migrate import downgrade, upgrade
from watchfloor.runtime import Runtime
from watchfloor.triage.second_look import decision as sl
from watchfloor.triage.second_look.flows import look_pending
from watchfloor.triage.second_look.job import WARM_UP, SecondLookJob
from watchfloor.triage.second_look.models import SecondLook
from watchfloor.triage.taxonomy import Priority

REPORTS = "/api/v1/reports"
MODEL = "fake-embedder/1"

# Reports as people write them; the first stage (rules and the n-gram classifier) misses the
# first three, which say what they mean without the words it knows.
SISTER = (
    "My sister sold her car, gave her cat to a neighbour and sent me a message saying she is "
    "sorry for everything. I'm worried about her."
)
BUS = (
    "He replied to my post that he knows which bus I take home and that Friday will be interesting."
)
FRENCH = (
    "Ma fille a reçu des messages d'un adulte qui lui demande des photos d'elle en sous-vêtements."
)
REFUND = "The seller never shipped my order and stopped answering my messages. I want a refund."
GROOMING = (
    "This guy in the group chat keeps asking my 12 year old for pictures and told her to keep "
    "it secret from us."
)
# Vague and harmless: nothing in it for either stage, but the kind of text the real second stage
# alone scored 0.97 for privacy.
VAGUE = "Can you tell me more about how this works? I'm not really sure what to do about it."

THRESHOLDS = {
    "child_safety": 0.5,
    "self_harm": 0.62,
    "violence_threats": 0.6,
    "harassment": 0.55,
    "fraud_scams": 0.5,
    "privacy": 0.5,
}
# For the mean of the first stage's score and the second's: what the second look acts on.
BLEND = {
    "child_safety": 0.45,
    "self_harm": 0.45,
    "violence_threats": 0.6,
    "harassment": 0.55,
    "fraud_scams": 0.5,
    "privacy": 0.6,
}
KNOWN = {
    SISTER: {"self_harm": 0.87},
    BUS: {"violence_threats": 0.81, "harassment": 0.7},
    FRENCH: {"child_safety": 0.93},
    REFUND: {"fraud_scams": 0.31},
    GROOMING: {"child_safety": 0.97},
    VAGUE: {"privacy": 0.97},
}


class FakeSecondStage:
    """The second stage's shape: name, thresholds per area, scores(texts) 0-1 per area."""

    def __init__(self, known: dict[str, dict[str, float]] | None = None) -> None:
        self.name = MODEL
        self.thresholds = dict(THRESHOLDS)
        self.blend_thresholds = dict(BLEND)
        self.multilingual_areas = ["hate"]
        self.known = KNOWN if known is None else known
        self.seen: list[str] = []
        self.warmed = False

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.seen.extend(t for t in texts if t != WARM_UP)  # the reports it was given
        self.warmed = self.warmed or WARM_UP in texts
        return [{a: self.known.get(t, {}).get(a, 0.02) for a in self.thresholds} for t in texts]


class BrokenSecondStage(FakeSecondStage):
    """Fails on every text it is given, or only on ``poison`` when that is set."""

    def __init__(self, poison: str | None = None) -> None:
        super().__init__()
        self.poison = poison
        self.calls = 0

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls += 1
        if self.poison is None or self.poison in texts:
            raise RuntimeError("onnxruntime: cannot allocate tensor")
        return super().scores(texts)


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "lead")}


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> Iterator[FakeSecondStage]:
    """The worker's second-look job, with the fake as its second stage."""
    fake = FakeSecondStage()
    use_job(monkeypatch, runtime, SecondLookJob(loader=lambda: fake))
    yield fake


def use_job(monkeypatch: pytest.MonkeyPatch, runtime: Runtime, job: SecondLookJob) -> None:
    """Make ``job`` the worker's second-look job, switched on whatever the test settings say."""
    runtime.settings.second_look = True
    jobs = [
        worker.Job(j.name, j.description, job) if j.name == "second-look" else j
        for j in worker.JOBS
    ]
    assert any(j.name == "second-look" for j in jobs)
    monkeypatch.setattr(worker, "JOBS", jobs)


def send(client: TestClient, who: Person, texts: list[str], *, first: int = 1) -> list[Any]:
    batch = [report(first + i, text=t) for i, t in enumerate(texts)]
    r = client.post(f"{REPORTS}/batch", json={"reports": batch}, headers=who.headers)
    assert r.status_code == 200, r.text
    results: list[Any] = r.json()["results"]
    return results


def case_of(client: TestClient, who: Person, key: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{key}", headers=who.headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def second_looks(client: TestClient, lead: Person, key: str) -> list[dict[str, Any]]:
    r = client.get(
        "/api/v1/audit",
        params={"object_id": key, "action": "case.second_look"},
        headers=lead.headers,
    )
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()
    return events


def first_score(client: TestClient, who: Person, sent: dict[str, Any], area: str) -> float:
    """The first stage's score for ``area`` stored with a sent report, as its case shows it
    (0 below 0.05: not stored)."""
    (shown,) = [
        r for r in case_of(client, who, sent["case"])["reports"] if r["id"] == sent["report_id"]
    ]
    return float(shown["area_scores"].get(area, 0.0))


def marks(runtime: Runtime) -> dict[int, SecondLook]:
    with session_scope(runtime.sessions) as s:
        return {m.report_id: m for m in s.scalars(select(SecondLook))}


def test_a_report_the_first_stage_missed_is_raised_with_its_reason_and_audit_event(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    sister, refund, grooming = send(client, people["intake"], [SISTER, REFUND, GROOMING])
    # What the first stage said at intake: the premise of this test.
    assert (sister["harm_area"], sister["priority"]) == ("unclassified", "P3"), sister["reasons"]
    assert (grooming["harm_area"], grooming["priority"]) == ("child_safety", "P1")
    before = case_of(client, people["analyst"], sister["case"])
    assert before["queue"] == "general"

    assert worker.run_once(runtime) >= 3

    after = case_of(client, people["analyst"], sister["case"])
    assert (after["harm_area"], after["priority"], after["queue"]) == (
        "self_harm",
        "P1",
        "self-harm",
    )
    first = first_score(client, people["analyst"], sister, "self_harm")
    blend = (first + 0.87) / 2
    assert after["reasons"][0] == (
        f"second look: blend {blend:.2f} >= 0.45 for self_harm (first {first:.2f}, second 0.87)"
        " → P1 (first stage: unclassified, P3)"
    )
    assert after["reasons"][1:] == before["reasons"]  # the first stage's reasons stay below
    assert "self_harm" in after["harm_areas"] and after["status"] == before["status"]
    # The clocks follow the priority: a P1's first action is due within the hour.
    assert after["first_action_due_at"] < before["first_action_due_at"]
    assert after["sla"]["first_action"]["remaining_seconds"] <= 3600

    (event,) = second_looks(client, people["lead"], sister["case"])
    assert event["actor"] == "system:second-look"
    assert event["before"]["priority"] == "P3" and event["before"]["harm_area"] == "unclassified"
    assert event["after"]["priority"] == "P1" and event["after"]["queue"] == "self-harm"
    assert event["after"]["applied"] is True and event["after"]["reasons"] == [after["reasons"][0]]
    assert event["after"]["report_id"] == sister["report_id"]
    assert event["after"]["decided_on"] == "blend"
    assert event["after"]["score"] == pytest.approx(blend, abs=1e-4)
    assert event["after"]["threshold"] == 0.45
    assert (event["after"]["first_score"], event["after"]["second_score"]) == (first, 0.87)

    # The report the second stage agrees with is untouched; the one the first stage was sure of
    # (child safety at P1) was not even given to the model.
    assert case_of(client, people["analyst"], refund["case"]) == case_of(
        client, people["analyst"], refund["case"]
    )
    refund_case = case_of(client, people["analyst"], refund["case"])
    assert (refund_case["harm_area"], refund_case["priority"]) == ("unclassified", "P3")
    assert not any(r.startswith("second look") for r in refund_case["reasons"])
    assert second_looks(client, people["lead"], refund["case"]) == []
    assert GROOMING not in stage.seen and SISTER in stage.seen and REFUND in stage.seen
    assert stage.warmed  # once loaded, before its first reports, so they do not wait for it

    looked = marks(runtime)
    assert looked[sister["report_id"]].outcome == "raised"
    assert looked[refund["report_id"]].outcome == "agreed"
    assert looked[refund["report_id"]].scores == {
        **dict.fromkeys(THRESHOLDS, 0.02),
        "fraud_scams": 0.31,
    }
    assert looked[grooming["report_id"]].outcome == "skipped"
    assert looked[grooming["report_id"]].model is None

    # Idempotent: a second round finds nothing to look at and changes nothing.
    seen = len(stage.seen)
    worker.run_once(runtime)
    assert len(stage.seen) == seen
    assert case_of(client, people["analyst"], sister["case"]) == after
    assert len(second_looks(client, people["lead"], sister["case"])) == 1


def test_reports_accepted_for_later_are_looked_at_once_the_worker_has_triaged_them(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    clock: SettableClock,
    stage: FakeSecondStage,
) -> None:
    batch = [report(1, text=BUS), report(2, text=FRENCH, language="fr"), report(3, text=REFUND)]
    r = client.post(
        f"{REPORTS}/batch",
        json={"reports": batch},
        headers={**people["intake"].headers, "Prefer": "respond-async"},
    )
    assert r.status_code == 202, r.text
    clock.advance(timedelta(seconds=3))
    assert worker.run_once(runtime) >= 3  # triage-backlog, then second-look, in one round

    with session_scope(runtime.sessions) as s:
        keys = {
            text: case_key(case_id)
            for text, case_id in s.execute(select(Report.text, Report.case_id))
        }
    bus, french, refund = (
        case_of(client, people["analyst"], keys[t]) for t in (BUS, FRENCH, REFUND)
    )
    assert (bus["harm_area"], bus["priority"], bus["queue"]) == (
        "violence_threats",
        "P1",
        "violence-extremism",
    )
    assert bus["reasons"][0].startswith("second look: blend ")
    assert "0.60 for violence_threats (first " in bus["reasons"][0]
    assert "second 0.81) → P1" in bus["reasons"][0]
    # The report in French: its case is now child safety.
    assert (french["harm_area"], french["priority"], french["queue"]) == (
        "child_safety",
        "P1",
        "child-safety",
    )
    assert (refund["harm_area"], refund["priority"]) == ("unclassified", "P3")
    events = [len(second_looks(client, people["lead"], c["key"])) for c in (bus, french, refund)]
    assert events == [1, 1, 0]
    assert sorted(m.outcome for m in marks(runtime).values()) == ["agreed", "raised", "raised"]
    worker.run_once(runtime)
    assert sorted(stage.seen) == sorted([BUS, FRENCH, REFUND])  # each read once


def test_a_case_an_analyst_holds_is_not_changed_but_learns_what_the_second_look_found(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    (sister,) = send(client, people["intake"], [SISTER])
    r = client.post(
        f"/api/v1/cases/{sister['case']}/transitions",
        json={"action": "assign"},
        headers=people["analyst"].headers,
    )
    assert r.status_code == 200, r.text
    held = case_of(client, people["analyst"], sister["case"])

    worker.run_once(runtime)

    assert case_of(client, people["analyst"], sister["case"]) == held
    (event,) = second_looks(client, people["lead"], sister["case"])
    assert event["after"]["applied"] is False and event["before"] is None
    assert event["after"]["why_not"] == f"{sister['case']} is in an analyst's hands (assigned)"
    assert event["after"]["area"] == "self_harm"
    looked = marks(runtime)[sister["report_id"]]
    assert looked.outcome == "unchanged" and "not applied" in (looked.reason or "")


def test_it_never_lowers_a_case_and_a_case_already_as_urgent_is_left_alone(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    # A trusted flagger's report the first stage could not place: unclassified, raised to P2.
    flagged = report(1, text=BUS, reporter={"kind": "trusted_flagger", "id": "tf-1"})
    (out,) = client.post(
        f"{REPORTS}/batch", json={"reports": [flagged]}, headers=people["intake"].headers
    ).json()["results"]
    assert (out["harm_area"], out["priority"]) == ("unclassified", "P2"), out["reasons"]
    # The second stage places it in spam, whose own priority is P3: the case gets its harm area
    # and keeps P2.
    stage.known = {BUS: {"spam_manipulation": 0.9}}
    stage.thresholds["spam_manipulation"] = 0.5
    stage.blend_thresholds["spam_manipulation"] = 0.4
    worker.run_once(runtime)
    case = case_of(client, people["analyst"], out["case"])
    assert (case["harm_area"], case["priority"]) == ("spam_manipulation", "P2")
    assert case["reasons"][0].endswith("→ P3 (first stage: unclassified, P2)")


def test_without_a_second_stage_the_job_does_nothing_and_says_so_once(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = SecondLookJob(loader=lambda: None)
    use_job(monkeypatch, runtime, job)
    (sister,) = send(client, people["intake"], [SISTER])
    with caplog.at_level(logging.INFO, logger="watchfloor.triage.second_look.decision"):
        for _ in range(3):
            assert job(runtime) == 0
            worker.run_once(runtime)
    said = [
        r.getMessage() for r in caplog.records if r.name == "watchfloor.triage.second_look.decision"
    ]
    assert len(said) == 1 and "no second-stage model is installed" in said[0]
    assert marks(runtime) == {}
    assert case_of(client, people["analyst"], sister["case"])["priority"] == "P3"

    # Installed later (a new worker process): the reports that waited are looked at then.
    fake = FakeSecondStage()
    assert SecondLookJob(loader=lambda: fake)(runtime) == 1
    assert case_of(client, people["analyst"], sister["case"])["priority"] == "P1"


def test_a_failing_second_stage_blocks_nothing_else_and_is_tried_again_later(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = BrokenSecondStage()
    job = SecondLookJob(loader=lambda: broken)
    use_job(monkeypatch, runtime, job)
    (sister,) = send(client, people["intake"], [SISTER])
    # The other jobs still run: a report accepted for later is triaged in the same round.
    r = client.post(
        f"{REPORTS}/batch",
        json={"reports": [report(9, text=REFUND)]},
        headers={**people["intake"].headers, "Prefer": "respond-async"},
    )
    assert r.status_code == 202
    assert worker.run_once(runtime) >= 1
    cases = client.get("/api/v1/cases", headers=people["analyst"].headers).json()["cases"]
    assert len(cases) == 2
    # Its warm-up failed, then the batch, then each of its two reports alone: nothing is marked.
    assert marks(runtime) == {} and broken.calls == 4
    assert job(runtime) == 0 and broken.calls == 4  # it waits before it tries again

    clock.advance(timedelta(seconds=11))
    broken.poison = "never sent"  # mended
    assert job(runtime) == 2
    assert case_of(client, people["analyst"], sister["case"])["priority"] == "P1"


def test_a_text_the_model_cannot_read_is_marked_failed_and_the_rest_go_on(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    sister, bus = send(client, people["intake"], [SISTER, BUS])
    broken = BrokenSecondStage(poison=BUS)
    assert look_pending(runtime.sessions, runtime.clock, stage=broken, config=runtime.config) == 2
    looked = marks(runtime)
    assert looked[sister["report_id"]].outcome == "raised"
    assert looked[bus["report_id"]].outcome == "failed"
    assert case_of(client, people["analyst"], bus["case"])["priority"] == "P3"


def test_two_unsure_reports_on_one_case_raise_it_once(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    same = {"kind": "account", "id": "acct-7"}
    out = send(client, people["intake"], [REFUND, SISTER], first=1)
    assert out[0]["case"] != out[1]["case"]  # different subjects: two cases
    joined = client.post(
        f"{REPORTS}/batch",
        json={
            "reports": [report(10, text=BUS, subject=same), report(11, text=SISTER, subject=same)]
        },
        headers=people["intake"].headers,
    ).json()["results"]
    assert joined[0]["case"] == joined[1]["case"]  # both unclassified, one subject: one case
    worker.run_once(runtime)
    case = case_of(client, people["analyst"], joined[0]["case"])
    # The first report (threat, P1) raises it; the second finds it already at P1.
    assert (case["harm_area"], case["priority"]) == ("violence_threats", "P1")
    assert "violence_threats" in case["harm_areas"]
    assert len(second_looks(client, people["lead"], joined[0]["case"])) == 1
    looked = marks(runtime)
    assert looked[joined[1]["report_id"]].outcome == "unchanged"
    assert "already P1" in (looked[joined[1]["report_id"]].reason or "")


def test_the_job_can_be_switched_off(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    send(client, people["intake"], [SISTER])
    runtime.settings.second_look = False
    worker.run_once(runtime)
    assert stage.seen == [] and marks(runtime) == {}


def test_reports_stored_before_the_second_look_was_installed_are_not_read_again(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    (old,) = send(client, people["intake"], [SISTER])
    engine = make_engine(runtime.settings.database_url)
    try:
        downgrade(engine, "0018_report_language")  # before the second look
        upgrade(engine)
    finally:
        engine.dispose()
    (new,) = send(client, people["intake"], [BUS], first=2)
    worker.run_once(runtime)
    looked = marks(runtime)
    assert looked[old["report_id"]].outcome == "skipped"
    assert looked[old["report_id"]].reason == "received before the second look was installed"
    assert looked[new["report_id"]].outcome == "raised" and stage.seen == [BUS]


# --- the decisions themselves (pure) -------------------------------------------------------

SEVERITIES = {
    "child_safety": Priority.P1,
    "self_harm": Priority.P1,
    "harassment": Priority.P2,
    "hate": Priority.P2,
    "privacy": Priority.P2,
    "spam_manipulation": Priority.P3,
    "unclassified": Priority.P3,
}


def first(area: str, priority: Priority, **kw: Any) -> sl.FirstStage:
    return sl.FirstStage(area, priority, kw.pop("scores", {}), **kw)


@pytest.mark.parametrize(
    ("stage1", "why"),
    [
        (first("unclassified", Priority.P3), "the first stage placed it in no harm area"),
        (first("unclassified", Priority.P1), "the first stage placed it in no harm area"),
        (first("harassment", Priority.P2), "the first stage gave it P2"),
        (first("spam_manipulation", Priority.P3), "the first stage gave it P3"),
        # A P1 placement cannot be made more urgent by areas whose severity is P1 at most.
        (first("child_safety", Priority.P1, language="fr"), None),
        (first("self_harm", Priority.P1, scores={"child_safety": 0.2}), None),
    ],
)
def test_which_reports_are_worth_a_second_look(stage1: sl.FirstStage, why: str | None) -> None:
    assert sl.worth_a_look(stage1, thresholds={"child_safety": 0.3}, severities=SEVERITIES) == why


def test_a_p1_is_looked_at_when_an_area_could_make_it_p0_and_the_first_stage_was_unsure() -> None:
    severities = {**SEVERITIES, "child_safety": Priority.P0}
    thresholds = {"child_safety": 0.4}
    sure = first("self_harm", Priority.P1, scores={"child_safety": 0.1}, language="en-GB")
    assert sl.worth_a_look(sure, thresholds=thresholds, severities=severities) is None
    near = first("self_harm", Priority.P1, scores={"child_safety": 0.25})
    assert sl.worth_a_look(near, thresholds=thresholds, severities=severities) == (
        "the first stage scored child_safety 0.25, near its threshold 0.40"
    )
    german = first("self_harm", Priority.P1, language="de")
    assert "written in de" in (sl.worth_a_look(german, thresholds={}, severities=severities) or "")
    rules_only = first("self_harm", Priority.P1, flags=("classifier_failed",))
    assert sl.worth_a_look(rules_only, thresholds={}, severities=severities) == (
        "the first stage's classifier did not run"
    )


def test_placement_is_the_most_urgent_area_over_its_threshold() -> None:
    thresholds = {"child_safety": 0.5, "harassment": 0.5, "self_harm": 0.9, "unclassified": 0.1}
    scores = {"harassment": 0.95, "child_safety": 0.55, "self_harm": 0.89, "unclassified": 0.9}
    found = sl.place(scores, thresholds=thresholds, severities=SEVERITIES)
    assert found == sl.Placement("child_safety", Priority.P1, 0.55, 0.5)
    assert sl.place({"self_harm": 0.89}, thresholds=thresholds, severities=SEVERITIES) is None
    # An area the taxonomy does not know, or one without a threshold, never places.
    assert sl.place({"weapons": 0.99}, thresholds={"weapons": 0.1}, severities=SEVERITIES) is None
    assert sl.place({"harassment": 0.99}, thresholds={}, severities=SEVERITIES) is None


def test_judging_and_changing_a_case() -> None:
    p1 = sl.Placement("self_harm", Priority.P1, 0.7123, 0.64, first=0.55, second=0.8765)
    verdict = sl.judge(first("harassment", Priority.P2), p1, model="m")
    assert verdict.outcome == "more_urgent"
    assert verdict.reason == (
        "second look: blend 0.71 >= 0.64 for self_harm (first 0.55, second 0.88)"
        " → P1 (first stage: harassment, P2)"
    )
    same = sl.judge(
        first("harassment", Priority.P2), sl.Placement("hate", Priority.P2, 0.7, 0.5), model="m"
    )
    assert same.outcome == "agreed"
    nothing = sl.judge(first("unclassified", Priority.P3), None, model="m")
    assert nothing.outcome == "agreed"
    assert nothing.reason == "second look: the blend with m placed it in no harm area"

    waiting = sl.CaseState("CASE-000001", "harassment", Priority.P2, "triaged", None, False)
    assert sl.in_hands(waiting) is None
    # A placed case keeps its harm area (later reports link by it) and gains the priority.
    assert sl.case_change(waiting, p1) == sl.CaseChange(None, Priority.P1)
    unplaced = sl.CaseState("CASE-000002", "unclassified", Priority.P2, "new", None, False)
    assert sl.case_change(unplaced, p1) == sl.CaseChange("self_harm", Priority.P1)
    urgent = sl.CaseState("CASE-000003", "harassment", Priority.P0, "triaged", None, False)
    assert sl.case_change(urgent, p1) is None  # never lowered
    assert sl.in_hands(sl.CaseState("CASE-4", "hate", Priority.P2, "escalated", None, False))
    assert sl.in_hands(sl.CaseState("CASE-5", "hate", Priority.P2, "triaged", 7, False))
    assert sl.in_hands(sl.CaseState("CASE-6", "hate", Priority.P2, "triaged", None, True))
    assert sl.in_hands(sl.CaseState("CASE-7", "hate", Priority.P2, "closed", None, True)) == (
        "CASE-7 is closed"
    )


@pytest.mark.parametrize(
    ("tag", "english"),
    [("en", True), ("EN-gb", True), ("en_US", True), (None, True), ("fr", False), ("pt-BR", False)],
)
def test_english_tags(tag: str | None, english: bool) -> None:
    assert sl.is_english(tag) is english


SECOND_ALONE = {"hate": 0.9, "privacy": 0.5, "self_harm": 0.62}
BLENDED = {"hate": 0.64, "privacy": 0.6, "self_harm": 0.45}


def test_the_second_stage_alone_being_sure_does_not_raise_what_the_first_stage_scores_low() -> None:
    # A vague, harmless question: the second stage is sure it is about privacy, the first stage
    # scored privacy under 0.05 (so stored nothing for it) and placed it nowhere.
    vague = first("unclassified", Priority.P3, scores={"legal_regulatory": 0.17})
    second = {"privacy": 0.97, "hate": 0.03, "self_harm": 0.02}
    # On its own score the second stage would have placed it…
    alone = sl.place(second, thresholds=SECOND_ALONE, severities=SEVERITIES)
    assert alone is not None and alone.area == "privacy"
    # …but the blend is (0 + 0.97) / 2 = 0.485, under privacy's 0.6: nothing is raised.
    placed = sl.place_blended(
        vague,
        second,
        blend_thresholds=BLENDED,
        second_thresholds=SECOND_ALONE,
        severities=SEVERITIES,
    )
    assert placed is None
    assert sl.judge(vague, placed, model="m").outcome == "agreed"
    assert sl.blend(vague, second)["privacy"] == pytest.approx(0.485)


def test_when_both_stages_lean_the_same_way_the_blend_raises_it() -> None:
    # The first stage scored hate 0.55, under its own threshold, so it placed the report
    # nowhere; the second stage scores 0.87. Neither alone would act (0.55 < 0.6 and
    # 0.87 < 0.9); together they reach the blend's threshold.
    leaning = first("unclassified", Priority.P3, scores={"hate": 0.55, "harassment": 0.3})
    second = {"hate": 0.87, "harassment": 0.2, "privacy": 0.1}
    assert sl.place(second, thresholds=SECOND_ALONE, severities=SEVERITIES) is None
    placed = sl.place_blended(
        leaning,
        second,
        blend_thresholds=BLENDED,
        second_thresholds=SECOND_ALONE,
        severities=SEVERITIES,
    )
    assert placed == sl.Placement("hate", Priority.P2, 0.71, 0.64, first=0.55, second=0.87)
    verdict = sl.judge(leaning, placed, model="m")
    assert verdict.outcome == "more_urgent"
    assert verdict.reason == (
        "second look: blend 0.71 >= 0.64 for hate (first 0.55, second 0.87)"
        " → P2 (first stage: unclassified, P3)"
    )


def test_without_the_first_stages_classifier_the_second_stage_decides_alone() -> None:
    # Rules placed it (the classifier failed): no first-stage score to blend.
    rules_only = first("harassment", Priority.P2, flags=("classifier_failed",))
    placed = sl.place_blended(
        rules_only,
        {"self_harm": 0.7},
        blend_thresholds=BLENDED,
        second_thresholds=SECOND_ALONE,
        severities=SEVERITIES,
    )
    assert placed == sl.Placement("self_harm", Priority.P1, 0.7, 0.62, first=None, second=0.7)
    assert sl.judge(rules_only, placed, model="m").reason == (
        "second look: second stage alone 0.70 >= 0.62 for self_harm (the first stage's "
        "classifier did not run) → P1 (first stage: harassment, P2)"
    )


def test_a_report_in_another_language_is_decided_by_the_second_stage_alone() -> None:
    # The first stage learned from English: on a report in French about self-harm it scores
    # self_harm 0.1, and the blend (0.1 + 0.75) / 2 = 0.425 stays under 0.45. The second stage
    # reads French, so its own score decides, against its own threshold (0.62).
    french = first("unclassified", Priority.P3, scores={"self_harm": 0.1}, language="fr")
    second = {"self_harm": 0.75, "hate": 0.2}
    kw: dict[str, Any] = {
        "blend_thresholds": BLENDED,
        "second_thresholds": SECOND_ALONE,
        "severities": SEVERITIES,
    }
    placed = sl.place_blended(french, second, **kw)
    assert placed == sl.Placement(
        "self_harm",
        Priority.P1,
        0.75,
        0.62,
        first=None,
        second=0.75,
        alone_because="written in fr, which the first stage reads poorly",
    )
    assert sl.judge(french, placed, model="m").reason == (
        "second look: second stage alone 0.75 >= 0.62 for self_harm (written in fr, which the "
        "first stage reads poorly) → P1 (first stage: unclassified, P3)"
    )
    # The same scores on a report in English (or of unknown language) go by the blend.
    for language in ("en-GB", None):
        english = first("unclassified", Priority.P3, scores={"self_harm": 0.1}, language=language)
        assert sl.place_blended(english, second, **kw) is None
    # Under the second stage's own threshold, nothing is raised in any language.
    assert sl.place_blended(french, {"self_harm": 0.6}, **kw) is None


def test_in_an_area_learned_in_other_languages_the_blend_still_decides() -> None:
    # Hate was learned in ten languages (Multilingual HateCheck): there the first stage's score
    # means something in French too, and the blend is the more accurate (dev split).
    kw: dict[str, Any] = {
        "blend_thresholds": BLENDED,
        "second_thresholds": SECOND_ALONE,
        "severities": SEVERITIES,
        "multilingual_areas": ["hate"],
    }
    # The second stage alone would place hate (0.92 >= 0.9); the blend (0.3 + 0.92) / 2 = 0.61
    # stays under 0.64: not raised.
    doubtful = first("unclassified", Priority.P3, scores={"hate": 0.3}, language="fr")
    assert sl.place_blended(doubtful, {"hate": 0.92}, **kw) is None
    # Both lean the same way: the blend (0.5 + 0.9) / 2 = 0.7 places it, and says so.
    leaning = first("unclassified", Priority.P3, scores={"hate": 0.5}, language="fr")
    placed = sl.place_blended(leaning, {"hate": 0.9, "self_harm": 0.1}, **kw)
    assert placed == sl.Placement("hate", Priority.P2, 0.7, 0.64, first=0.5, second=0.9)
    # Other areas of the same report still go by the second stage alone, and the most urgent
    # placement wins: self-harm (P1) over hate (P2).
    placed = sl.place_blended(leaning, {"hate": 0.9, "self_harm": 0.7}, **kw)
    assert placed is not None and (placed.area, placed.first) == ("self_harm", None)


def test_a_vague_harmless_report_the_second_stage_alone_is_sure_of_is_not_raised(
    client: TestClient, people: dict[str, Person], runtime: Runtime, stage: FakeSecondStage
) -> None:
    (vague,) = send(client, people["intake"], [VAGUE])
    before = case_of(client, people["analyst"], vague["case"])
    assert (before["harm_area"], before["priority"]) == ("unclassified", "P3"), before["reasons"]
    # The premise: the first stage gives privacy little, so the blend stays under 0.6.
    first = first_score(client, people["analyst"], vague, "privacy")
    assert (first + 0.97) / 2 < BLEND["privacy"], first

    worker.run_once(runtime)

    assert VAGUE in stage.seen  # it was read again…
    assert stage.known[VAGUE]["privacy"] >= stage.thresholds["privacy"]  # …sure on its own…
    assert case_of(client, people["analyst"], vague["case"]) == before  # …and nothing changed
    assert second_looks(client, people["lead"], vague["case"]) == []
    looked = marks(runtime)[vague["report_id"]]
    assert looked.outcome == "agreed"
    assert looked.reason == f"second look: the blend with {MODEL} placed it in no harm area"
    assert looked.scores is not None and looked.scores["privacy"] == 0.97
