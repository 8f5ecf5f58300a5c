"""LLM assistance on a case, against a real local chat-completions server; offline fallback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from tests.llm_server import GOOD_ANSWER, ChatServer, chat_server
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings

THREAT = "I am going to kill you outside your school on Friday. Everyone will see it."
SECRET_EVIDENCE = "EVIDENCE-ONLY-TEXT-never-sent"
KEY = "sk-test-key-123"


@pytest.fixture
def llm() -> Iterator[ChatServer]:
    with chat_server() as server:
        yield server


@pytest.fixture
def settings(db_url: str, llm: ChatServer) -> Settings:
    return Settings(
        database_url=db_url,
        environment="test",
        llm_enabled=True,
        llm_base_url=llm.base_url,
        llm_model="gpt-oss-safeguard-20b",
        llm_api_key=KEY,  # type: ignore[arg-type]  # pydantic turns it into a SecretStr
        # Generous, so a loaded CI machine never turns a good answer into a timeout; the
        # timeout test lowers it for itself.
        llm_timeout_seconds=30.0,
    )


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "lead", "viewer")}


@pytest.fixture
def case_key(client: TestClient, people: dict[str, Person]) -> str:
    body = report(
        1,
        text=THREAT,
        evidence=[{"kind": "text", "text": SECRET_EVIDENCE, "sensitivity": "graphic"}],
    )
    r = client.post("/api/v1/reports", json=body, headers=people["intake"].headers)
    assert r.status_code == 201, r.text
    assert r.json()["harm_area"] == "violence_threats"
    key: str = r.json()["case"]
    return key


def assist(client: TestClient, key: str, who: Person) -> dict[str, Any]:
    r = client.post(f"/api/v1/cases/{key}/assist", headers=who.headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def audit_of(client: TestClient, key: str, lead: Person) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/audit?object_id={key}&action=case.llm_assist", headers=lead.headers)
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()
    return events


def test_a_good_answer_comes_from_the_model(
    client: TestClient, llm: ChatServer, people: dict[str, Person], case_key: str
) -> None:
    out = assist(client, case_key, people["analyst"])
    assert out == {
        "source": "llm",
        "model": "gpt-oss-safeguard-20b",
        **GOOD_ANSWER,
        "fallback_reason": None,
    }

    [sent] = llm.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"
    body = sent["json"]
    assert body["model"] == "gpt-oss-safeguard-20b"
    assert body["temperature"] == 0
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(GOOD_ANSWER)
    assert "violence_threats" in schema["properties"]["harm_area"]["enum"]

    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    # The written policy is in the system message; the report only in the user message.
    assert "### VT-THREAT: Credible threats of violence (priority P0)" in system["content"]
    assert (
        "Definition: A statement of intent to seriously harm or kill a specific person, group "
        "or place, with detail, timing or means that make it credible." in system["content"]
    )
    assert "- I know where you live and I'm coming tonight with a knife" in system["content"]
    assert "- I could kill for a coffee right now" in system["content"]
    assert THREAT not in system["content"]
    assert THREAT in user["content"]
    assert "<<<REPORT 1" in user["content"] and "<<<END REPORT" in user["content"]
    # Only report text: never evidence.
    assert SECRET_EVIDENCE not in json.dumps(body)

    [event] = audit_of(client, case_key, people["lead"])
    assert event["actor"] == f"user:{people['analyst'].username}"
    assert event["after"]["outcome"] == "answered"
    assert event["after"]["policy_id"] == "VT-THREAT"
    assert event["after"]["reports_sent"] == 1
    logged = json.dumps(event)
    assert "kill you" not in logged and GOOD_ANSWER["summary"] not in logged


def test_no_key_sends_no_authorization_header(
    client: TestClient, runtime: Runtime, llm: ChatServer, people: dict[str, Person], case_key: str
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"llm_api_key": None})
    assert assist(client, case_key, people["analyst"])["source"] == "llm"
    assert "authorization" not in llm.requests[0]["headers"]


def test_a_server_slower_than_the_timeout_falls_back_to_offline_triage(
    client: TestClient, runtime: Runtime, llm: ChatServer, people: dict[str, Person], case_key: str
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"llm_timeout_seconds": 0.5})
    llm.delay = 5.0
    out = assist(client, case_key, people["analyst"])
    assert out["source"] == "offline"
    assert out["fallback_reason"] == "LLM timed out after 0.5s"
    assert out["model"] is None and out["violation"] is None and out["confidence"] is None
    # The offline triage stored on the case, and the first sentence of the report.
    assert out["harm_area"] == "violence_threats" and out["priority"] == "P0"
    assert "imminent threat of violence" in out["rationale"]
    assert out["summary"] == "I am going to kill you outside your school on Friday."
    [event] = audit_of(client, case_key, people["lead"])
    assert event["after"]["outcome"] == "failed" and event["after"]["failure"] == "timeout"


BAD_ANSWERS = {
    "not json": ("Sure! The case is a threat.", "LLM answer was not JSON"),
    "a list": ("[1, 2]", "LLM answer was not a JSON object"),
    "missing field": (
        {k: v for k, v in GOOD_ANSWER.items() if k != "summary"},
        "LLM answer broke the schema: summary: Field required",
    ),
    "extra field": ({**GOOD_ANSWER, "action": "ban"}, "LLM answer broke the schema: action"),
    "confidence above 1": (
        {**GOOD_ANSWER, "confidence": 7},
        "LLM answer broke the schema: confidence",
    ),
    "string for a bool": (
        {**GOOD_ANSWER, "violation": "yes"},
        "LLM answer broke the schema: violation",
    ),
    "bad priority": (
        {**GOOD_ANSWER, "priority": "urgent"},
        "LLM answer broke the schema: priority",
    ),
    "unknown policy": (
        {**GOOD_ANSWER, "policy_id": "XX-MADE-UP"},
        "LLM answer named unknown policy 'XX-MADE-UP'",
    ),
    "unknown harm area": (
        {**GOOD_ANSWER, "harm_area": "vibes", "policy_id": None},
        "LLM answer named unknown harm area 'vibes'",
    ),
    "policy of another area": (
        {**GOOD_ANSWER, "policy_id": "FR-PHISHING"},
        "LLM answer named policy FR-PHISHING of fraud_scams, not of violence_threats",
    ),
    "violation without a policy": (
        {**GOOD_ANSWER, "policy_id": None},
        "LLM answer found a violation but named no policy",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_an_answer_outside_the_schema_or_taxonomy_is_not_trusted(
    client: TestClient, llm: ChatServer, people: dict[str, Person], case_key: str, case: str
) -> None:
    answer, reason = BAD_ANSWERS[case]
    llm.answer(answer)
    out = assist(client, case_key, people["analyst"])
    assert out["source"] == "offline"
    assert out["fallback_reason"].startswith(reason), out["fallback_reason"]
    assert out["harm_area"] == "violence_threats" and out["policy_id"] is None


@pytest.mark.parametrize(
    ("status", "raw", "reason"),
    [
        (503, None, "LLM server answered HTTP 503: model overloaded"),
        (200, b"<html>gateway</html>", "LLM server's response was not a chat completion"),
        (200, b'{"choices": []}', "LLM server's response was not a chat completion"),
    ],
)
def test_an_http_error_or_a_broken_response_falls_back(
    client: TestClient,
    llm: ChatServer,
    people: dict[str, Person],
    case_key: str,
    status: int,
    raw: bytes | None,
    reason: str,
) -> None:
    llm.status, llm.raw_body = status, raw
    out = assist(client, case_key, people["analyst"])
    assert (out["source"], out["fallback_reason"]) == ("offline", reason)


def test_an_unreachable_server_falls_back(
    client: TestClient, runtime: Runtime, people: dict[str, Person], case_key: str
) -> None:
    with chat_server() as gone:
        url = gone.base_url
    runtime.settings = runtime.settings.model_copy(update={"llm_base_url": url})
    out = assist(client, case_key, people["analyst"])
    assert out["source"] == "offline"
    assert out["fallback_reason"].startswith("LLM server unreachable")


def test_off_by_default_it_answers_offline_and_asks_no_one(
    client: TestClient,
    runtime: Runtime,
    db_url: str,
    llm: ChatServer,
    people: dict[str, Person],
    case_key: str,
) -> None:
    runtime.settings = Settings(database_url=db_url, environment="test")
    assert runtime.settings.llm_enabled is False
    out = assist(client, case_key, people["lead"])
    assert out["source"] == "offline"
    assert out["fallback_reason"] == "LLM assistance is off"
    assert llm.requests == []
    assert audit_of(client, case_key, people["lead"]) == []


def test_unknown_case_is_404_and_asks_no_one(
    client: TestClient, llm: ChatServer, people: dict[str, Person]
) -> None:
    r = client.post("/api/v1/cases/CASE-999999/assist", headers=people["analyst"].headers)
    assert r.status_code == 404 and r.json()["detail"] == "no case CASE-999999"
    r = client.post("/api/v1/cases/nonsense/assist", headers=people["analyst"].headers)
    assert r.status_code == 404 and "case keys look like CASE-000123" in r.json()["detail"]
    assert llm.requests == []


def test_who_may_ask(client: TestClient, people: dict[str, Person], case_key: str) -> None:
    for role in ("viewer", "intake"):
        r = client.post(f"/api/v1/cases/{case_key}/assist", headers=people[role].headers)
        assert r.status_code == 403, role
    assert client.post(f"/api/v1/cases/{case_key}/assist").status_code == 401
    assert assist(client, case_key, people["lead"])["source"] == "llm"
