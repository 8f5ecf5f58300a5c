"""Obligations start themselves from case events, through the API and the worker's
``legal-triggers`` job, on both databases: a child-safety violation starts the NCMEC report at
P0 and, once it is met, the year's preservation with a legal hold; a referral for a threat
starts DSA Art. 18 at P0 with an incident; a trusted flagger's notice gets the 24 h target, not
the 72 h one; a TAKE IT DOWN request finds the known identical copies; nothing starts twice,
and a crash mid-batch leaves the watermark where it was. Months pass on the settable clock."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Person
from tests.factories import report
from watchfloor.cases import holds
from watchfloor.clock import SettableClock
from watchfloor.compliance.clocks.models import CaseObligation
from watchfloor.compliance.triggers import service as triggers
from watchfloor.compliance.triggers.models import FollowUpRecord, TriggerWatermark
from watchfloor.db import session_scope
from watchfloor.incidents import service as incidents
from watchfloor.notify.models import OutboxEvent
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

# After the TAKE IT DOWN Act's duty began (19 May 2026).
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CSAM = "selling folders of underage girls, dm for the link"
THREAT = "He keeps posting that someone should beat me up after school"


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {role: make_user(role, f"{role}.one") for role in ("intake", "analyst", "legal")}


@pytest.fixture(autouse=True)
def at_t0(clock: SettableClock) -> SettableClock:
    clock.set(T0)
    return clock


def job(runtime: Runtime, clock: SettableClock) -> int:
    """A round of the job a couple of minutes on: the events have settled and a minute passed."""
    clock.advance(timedelta(minutes=2))
    return next(j for j in JOBS if j.name == "legal-triggers").run(runtime)


def open_case(client: TestClient, who: Person, n: int, **over: Any) -> str:
    r = client.post("/api/v1/reports", json=report(n, **over), headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def decide(client: TestClient, who: Person, key: str, policy: str, *actions: str) -> None:
    body = {
        "policy_id": policy,
        "violation": True,
        "rationale": "Decided on the evidence attached.",
        "actions": [{"kind": k} for k in actions],
    }
    r = client.post(f"/api/v1/cases/{key}/decision", json=body, headers=who.headers)
    assert r.status_code == 201, r.text


def obligations(client: TestClient, who: Person, key: str) -> dict[str, dict[str, Any]]:
    r = client.get(f"/api/v1/cases/{key}/obligations", headers=who.headers)
    assert r.status_code == 200, r.text
    return {o["obligation"]: o for o in r.json()}


def case(client: TestClient, who: Person, key: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{key}", headers=who.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def counts(runtime: Runtime) -> tuple[int, int, int]:
    with session_scope(runtime.sessions) as s:
        return (
            int(s.scalar(select(func.count()).select_from(CaseObligation)) or 0),
            int(s.scalar(select(func.count()).select_from(FollowUpRecord)) or 0),
            int(s.scalar(select(func.count()).select_from(OutboxEvent)) or 0),
        )


def test_child_safety_starts_the_ncmec_report_at_p0_and_met_starts_a_held_preservation(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 1, text=CSAM, category="child_safety")
    decide(client, people["analyst"], key, "CS-CSEM", "remove_content", "report_to_ncmec")
    decided_at = at_t0.now()
    assert job(runtime, at_t0) >= 2  # the report and the decision were read

    found = obligations(client, people["legal"], key)
    report_ob = found["us_2258a_report"]
    assert report_ob["state"] == "running"
    assert utc(report_ob["started_at"]) == decided_at  # from the decision, not from the job
    assert utc(report_ob["due_at"]) == decided_at + timedelta(hours=24)
    # The restriction's own duties start with it; the preservation waits for the report.
    assert {"dsa_17_statement_of_reasons", "dsa_24_5_transparency_database"} <= set(found)
    assert "dsa_20_appeal_window" in found and "us_2258a_preserve" not in found
    assert case(client, people["legal"], key)["priority"] == "P0"

    at_t0.advance(timedelta(hours=5))
    met_at = at_t0.now()
    r = client.post(
        f"/api/v1/cases/{key}/obligations/{report_ob['id']}/steps",
        json={"step": "met", "reason": "CyberTipline report 123456"},
        headers=people["legal"].headers,
    )
    assert r.status_code == 200, r.text
    preserve = obligations(client, people["legal"], key)["us_2258a_preserve"]
    assert utc(preserve["started_at"]) == met_at
    assert utc(preserve["due_at"]) == datetime(2027, 6, 1, 14, 2, tzinfo=UTC)
    with session_scope(runtime.sessions) as s:
        [hold] = holds.of_case(s, case_id=int(key.split("-")[1]))
        assert hold.released_at is None and "us_2258a_preserve" in hold.reason
        done = {(f.obligation_id, f.action): f.state for f in s.scalars(select(FollowUpRecord))}
    assert done[("us_2258a_report", "start_obligation")] == "done"
    assert done[("us_2258a_preserve", "legal_hold")] == "done"
    assert done[("us_2258a_report", "priority")] == "done"

    # A year on the clock: the preservation runs out; the hold stays until legal releases it.
    at_t0.set(datetime(2027, 6, 2, tzinfo=UTC))
    assert next(j for j in JOBS if j.name == "legal-clocks").run(runtime) >= 1
    assert obligations(client, people["legal"], key)["us_2258a_preserve"]["state"] == "expired"


def test_a_referral_for_a_threat_starts_dsa_18_at_p0_with_an_incident(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 2, text=THREAT, category="violence_threats")
    assert case(client, people["legal"], key)["priority"] != "P0"
    decide(
        client, people["analyst"], key, "VT-THREAT", "remove_content", "refer_to_law_enforcement"
    )
    job(runtime, at_t0)

    art18 = obligations(client, people["legal"], key)["dsa_18_threat_to_life"]
    assert art18["state"] == "running"
    assert utc(art18["due_at"]) - utc(art18["started_at"]) == timedelta(hours=1)
    assert case(client, people["legal"], key)["priority"] == "P0"
    with session_scope(runtime.sessions) as s:
        [inc] = incidents.incidents_of_case(s, case_id=int(key.split("-")[1]))
        declared = s.scalar(
            select(func.count()).where(OutboxEvent.event_type == "incident.declared")
        )
    assert inc.severity == "SEV1" and inc.status == "active" and declared == 1


def test_a_trusted_flaggers_notice_gets_the_24h_target_not_the_72h_one(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    flagged = open_case(
        client, people["intake"], 3, reporter={"kind": "trusted_flagger", "id": "tf-inhope"}
    )
    noticed = open_case(client, people["intake"], 4, metadata={"request_type": "dsa_notice"})
    plain = open_case(client, people["intake"], 5)
    received = at_t0.now()
    job(runtime, at_t0)

    tf = obligations(client, people["legal"], flagged)
    assert set(tf) == {"dsa_16_acknowledge", "dsa_22_trusted_flagger_decide"}
    assert utc(tf["dsa_22_trusted_flagger_decide"]["due_at"]) == received + timedelta(hours=24)
    ordinary = obligations(client, people["legal"], noticed)
    assert set(ordinary) == {"dsa_16_acknowledge", "dsa_16_decide"}
    assert utc(ordinary["dsa_16_decide"]["due_at"]) == received + timedelta(hours=72)
    assert obligations(client, people["legal"], plain) == {}  # not a notice: nothing starts

    # Deciding the notice owes the notifier the decision (Art. 16(5)).
    decide(client, people["analyst"], flagged, "HR-TARGETED", "remove_content")
    job(runtime, at_t0)
    assert "dsa_16_notify_decision" in obligations(client, people["legal"], flagged)


def _file(n: int, content: bytes) -> dict[str, Any]:
    return {
        "kind": "file",
        "content_base64": base64.b64encode(content).decode(),
        "filename": f"img-{n}.jpg",
        "media_type": "image/jpeg",
        "sensitivity": "graphic",
    }


def test_an_ncii_request_finds_the_known_identical_copies_by_hash(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    image, other = b"\xff\xd8 the same intimate image", b"\xff\xd8 another image"
    copy_a = open_case(client, people["intake"], 6, evidence=[_file(6, image)])
    copy_b = open_case(client, people["intake"], 7, evidence=[_file(7, image)])
    open_case(client, people["intake"], 8, evidence=[_file(8, other)])
    request = open_case(
        client,
        people["intake"],
        9,
        text="These are intimate pictures of me posted without my consent, please remove them",
        metadata={"request_type": "ncii_removal"},
        evidence=[_file(9, image)],
    )
    assert len({copy_a, copy_b, request}) == 3
    job(runtime, at_t0)

    removal = obligations(client, people["legal"], request)["us_take_it_down_removal"]
    assert utc(removal["due_at"]) - utc(removal["started_at"]) == timedelta(hours=48)
    with session_scope(runtime.sessions) as s:
        [found] = s.scalars(
            select(FollowUpRecord).where(FollowUpRecord.action == "remove_hash_matches")
        ).all()
        events = [
            e.payload
            for e in s.scalars(
                select(OutboxEvent).where(OutboxEvent.event_type == "ncii.copy_found")
            )
        ]
    assert {c["case"] for c in found.result["copies"]} == {copy_a, copy_b}
    assert sorted(e["copy"]["case"] for e in events) == sorted([copy_a, copy_b])
    assert all(e["case"] == request and "content" not in str(e) for e in events)


def test_running_twice_or_rereading_starts_nothing_twice(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 10, text=THREAT, category="violence_threats")
    decide(
        client, people["analyst"], key, "VT-THREAT", "remove_content", "refer_to_law_enforcement"
    )
    job(runtime, at_t0)
    first = counts(runtime)
    # dsa_17, dsa_24_5, the appeal window and dsa_18 with its priority and incident.
    assert first[:2] == (4, 2)

    assert job(runtime, at_t0) == 0  # nothing new to read
    with session_scope(runtime.sessions) as s:  # forget what was read: every event again
        for mark in s.scalars(select(TriggerWatermark)):
            mark.last_id = 0
    assert job(runtime, at_t0) >= 2
    assert counts(runtime) == first
    with session_scope(runtime.sessions) as s:
        assert len(incidents.incidents_of_case(s, case_id=int(key.split("-")[1]))) == 1


def test_a_crash_mid_batch_leaves_the_watermark_and_starts_nothing(
    client: TestClient,
    runtime: Runtime,
    people: dict[str, Person],
    at_t0: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = open_case(client, people["intake"], 11, metadata={"request_type": "dsa_notice"})
    open_case(client, people["intake"], 12, metadata={"request_type": "dsa_notice"})
    real = triggers.clocks.start
    calls: list[str] = []

    def crash_on_the_third(*args: Any, **kwargs: Any) -> CaseObligation:
        calls.append(kwargs["obligation_id"])
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(triggers.clocks, "start", crash_on_the_third)
    at_t0.advance(timedelta(minutes=2))
    with pytest.raises(RuntimeError):
        triggers.run(runtime.sessions, runtime.clock, triggers.inputs_of(runtime.config))
    with session_scope(runtime.sessions) as s:
        assert s.get(TriggerWatermark, "reports") is None  # never committed
    assert counts(runtime)[0] == 0  # the two started before the crash rolled back with it

    assert len(calls) == 3
    monkeypatch.setattr(triggers.clocks, "start", real)
    job(runtime, at_t0)
    assert set(obligations(client, people["legal"], first)) == {
        "dsa_16_acknowledge",
        "dsa_16_decide",
    }
    assert counts(runtime)[0] == 4


def test_a_duty_started_by_hand_makes_the_case_p0_and_opens_its_incident_at_once(
    client: TestClient, runtime: Runtime, people: dict[str, Person], at_t0: SettableClock
) -> None:
    key = open_case(client, people["intake"], 13)
    assert case(client, people["legal"], key)["priority"] != "P0"
    r = client.post(
        f"/api/v1/cases/{key}/obligations",
        json={"obligation": "dsa_18_threat_to_life"},
        headers=people["legal"].headers,
    )
    assert r.status_code == 201, r.text

    assert case(client, people["legal"], key)["priority"] == "P0"
    with session_scope(runtime.sessions) as s:
        states = {f.action: f.state for f in s.scalars(select(FollowUpRecord))}
        [inc] = incidents.incidents_of_case(s, case_id=int(key.split("-")[1]))
    assert states == {"priority": "done", "open_incident": "done"} and inc.severity == "SEV1"
    job(runtime, at_t0)  # the job finds nothing left to do
    with session_scope(runtime.sessions) as s:
        assert len(incidents.incidents_of_case(s, case_id=int(key.split("-")[1]))) == 1
