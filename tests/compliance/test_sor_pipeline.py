"""Statements of reasons on live decisions, on both databases: decisions taken through the API are
built into statements, checked, and sent in batches to a real local HTTP server answering as the
DSA Transparency Database does; an invalid one is never sent and says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.compliance.conftest import TOKEN, FakeDatabase
from tests.conftest import Person
from tests.factories import report
from watchfloor.audit.models import AuditEvent
from watchfloor.clock import SettableClock
from watchfloor.compliance.statements import service as sor_service
from watchfloor.compliance.statements.config import TransparencyConfig, load_transparency_config
from watchfloor.compliance.statements.models import StatementOfReasons
from watchfloor.compliance.statements.rules import validate_statement
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

CONFIG = Path(__file__).resolve().parents[2] / "config"
THREAT = "He keeps posting that someone should beat me up after school"
REMOVE = {
    "policy_id": "VT-THREAT",
    "violation": True,
    "rationale": "A threat of violence against a named pupil, posted twice.",
    "actions": [{"kind": "remove_content"}, {"kind": "notify_reporter"}],
}


@pytest.fixture
def mapping(database: FakeDatabase) -> TransparencyConfig:
    loaded = load_transparency_config(CONFIG / "transparency.yaml")
    endpoint = loaded.database.model_copy(update={"base_url": database.url, "max_attempts": 3})
    return loaded.model_copy(update={"database": endpoint})


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {"intake": make_user("intake"), "ana": make_user("analyst", "ana")}


def decided(
    client: TestClient, people: dict[str, Person], n: int, decision: dict[str, Any], **over: Any
) -> str:
    body = report(n, text=THREAT, subject={"kind": "account", "id": f"acct-{n}"}, **over)
    r = client.post("/api/v1/reports", json=body, headers=people["intake"].headers)
    assert r.status_code == 201, r.text
    key = str(r.json()["case"])
    r = client.post(f"/api/v1/cases/{key}/decision", json=decision, headers=people["ana"].headers)
    assert r.status_code == 201, r.text
    return key


def statements(runtime: Runtime) -> list[StatementOfReasons]:
    with session_scope(runtime.sessions) as s:
        found = list(s.scalars(select(StatementOfReasons).order_by(StatementOfReasons.id)))
        s.expunge_all()
        return found


def prepare(runtime: Runtime, mapping: TransparencyConfig) -> sor_service.Prepared:
    with session_scope(runtime.sessions) as s:
        return sor_service.prepare(s, runtime.clock, mapping=mapping)


def submit(runtime: Runtime, mapping: TransparencyConfig, http: httpx.Client) -> int:
    with session_scope(runtime.sessions) as s:
        return sor_service.submit_due(s, runtime.clock, mapping=mapping, token=TOKEN, client=http)


def test_a_removal_becomes_a_valid_statement_and_the_database_keeps_its_id(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    mapping: TransparencyConfig,
    database: FakeDatabase,
    http: httpx.Client,
) -> None:
    key = decided(client, people, 1, REMOVE)
    # Not due: outside the EEA, no violation, or nothing restricted.
    decided(client, people, 2, REMOVE, region="US")
    decided(client, people, 3, {**REMOVE, "violation": False, "actions": [{"kind": "no_action"}]})
    decided(client, people, 4, {**REMOVE, "actions": [{"kind": "refer_to_law_enforcement"}]})

    done = prepare(runtime, mapping)
    assert (done.read, done.built, done.invalid) == (4, 1, 0)
    [sor] = statements(runtime)
    assert sor.state == "ready" and sor.problems == [] and validate_statement(sor.body) == []
    body = sor.body
    assert body["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert body["source_type"] == "SOURCE_ARTICLE_16"  # an in-app report is a notice
    assert body["automated_detection"] == "No"
    assert body["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert body["decision_facts"] == REMOVE["rationale"]
    assert body["content_language"] == "EN" and "DE" in body["territorial_scope"]
    assert str(body["puid"]).startswith(f"wf-{key}-")
    assert "removed your content" in sor.user_text and "within 6 months" in sor.user_text
    # Read once: a second run builds nothing new.
    assert prepare(runtime, mapping).built == 0

    assert submit(runtime, mapping, http) == 1
    [sor] = statements(runtime)
    assert sor.state == "submitted" and sor.database_id and sor.attempts == 1
    [sent] = database.requests
    assert sent["body"]["statements"] == [body]
    assert submit(runtime, mapping, http) == 0  # nothing left to send
    with session_scope(runtime.sessions) as s:
        actions = set(
            s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("statement.%")))
        )
    assert actions == {"statement.built", "statement.submitted"}


def test_a_statement_that_breaks_a_rule_is_never_sent_and_names_the_rule(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    mapping: TransparencyConfig,
    database: FakeDatabase,
    http: httpx.Client,
) -> None:
    long_facts = "The account posted the same threat again and again. " * 100  # > 5,000
    decided(client, people, 1, {**REMOVE, "rationale": long_facts})
    assert prepare(runtime, mapping).invalid == 1
    [sor] = statements(runtime)
    assert sor.state == "invalid"
    assert any(p.startswith("decision_facts:") and "at most 5000" in p for p in sor.problems)
    assert submit(runtime, mapping, http) == 0 and database.requests == []


def test_a_busy_database_is_tried_again_later_and_a_lost_answer_is_not_a_second_statement(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    clock: SettableClock,
    mapping: TransparencyConfig,
    database: FakeDatabase,
    http: httpx.Client,
) -> None:
    decided(client, people, 1, REMOVE)
    prepare(runtime, mapping)
    database.script.append((429, {"message": "Too Many Attempts."}, {"Retry-After": "120"}))
    assert submit(runtime, mapping, http) == 1
    [sor] = statements(runtime)
    assert sor.state == "ready" and sor.attempts == 1
    assert sor.next_attempt_at is not None
    assert sor.next_attempt_at - clock.now() == timedelta(seconds=120)
    assert submit(runtime, mapping, http) == 0  # not yet due

    # The Database took it, but its answer was lost: next time the puid is already there.
    database.known_puids.add(sor.puid)
    clock.advance(timedelta(minutes=3))
    assert submit(runtime, mapping, http) == 1
    [sor] = statements(runtime)
    assert sor.state == "submitted" and "already held" in (sor.last_error or "")


def test_a_refusal_of_one_statement_fails_it_with_the_databases_reasons(
    client: TestClient,
    people: dict[str, Person],
    runtime: Runtime,
    mapping: TransparencyConfig,
    database: FakeDatabase,
    http: httpx.Client,
) -> None:
    decided(client, people, 1, REMOVE)
    prepare(runtime, mapping)
    errors = {"statement_0": {"decision_facts": ["The decision facts field is required."]}}
    database.script.append((422, {"message": "invalid", "errors": errors}, {}))
    submit(runtime, mapping, http)
    [sor] = statements(runtime)
    assert sor.state == "failed"
    assert sor.last_error == "decision_facts: The decision facts field is required."
