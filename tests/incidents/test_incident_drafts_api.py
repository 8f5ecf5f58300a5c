"""Drafts through the API with the LLM on, against a real local chat-completions server: marked
as drafts, never sent by themselves, audited without their text; the template when it fails."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.llm_server import ChatServer, chat_server
from watchfloor.settings import Settings

DRAFT = "INC update: the threat is contained; police are on site. Next update at 10:30 UTC."


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
        llm_model="drafting-model",
        llm_timeout_seconds=30.0,
    )


def audit_of(client: TestClient, key: str, lead: Person) -> list[dict[str, Any]]:
    r = client.get(
        f"/api/v1/audit?object_id={key}&action=incident.draft_made", headers=lead.headers
    )
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()
    return events


def test_llm_drafts_are_drafts_audited_without_text_and_fall_back_to_the_template(
    client: TestClient, llm: ChatServer, make_user: Callable[..., Person]
) -> None:
    ana, lead = make_user("analyst", "emea.ana"), make_user("lead")
    r = client.post(
        "/api/v1/incidents",
        json={"severity": "SEV1", "title": "Threat against a school"},
        headers=ana.headers,
    )
    key = r.json()["incident"]["key"]
    note = {"kind": "note", "text": "Police confirmed they are on site"}
    client.post(f"/api/v1/incidents/{key}/timeline", json=note, headers=ana.headers)

    llm.answer(DRAFT)
    draft = client.post(f"/api/v1/incidents/{key}/updates/draft", headers=ana.headers).json()
    assert draft["draft"] is True and draft["text"] == DRAFT and draft["source"] == "llm"
    assert draft["model"] == "gpt-oss-safeguard-20b"  # as the server names it
    prompt = json.dumps(llm.requests[-1]["json"])
    assert "Police confirmed they are on site" in prompt and key in prompt
    # Nothing was sent: a draft is for a person to edit and send.
    assert client.get(f"/api/v1/incidents/{key}", headers=ana.headers).json()["updates"] == []

    llm.answer("A school was threatened; the incident was declared at once.")
    summary = client.post(f"/api/v1/incidents/{key}/review/draft", headers=ana.headers).json()
    assert summary["source"] == "llm" and summary["draft"] is True

    llm.status = 503
    fallback = client.post(f"/api/v1/incidents/{key}/updates/draft", headers=ana.headers).json()
    assert fallback["source"] == "template" and key in fallback["text"]
    assert "503" in (fallback["note"] or "")

    events = audit_of(client, key, lead)[::-1]  # the audit API reads newest first
    assert [e["after"]["purpose"] for e in events] == ["update", "summary", "update"]
    assert [e["after"]["source"] for e in events] == ["llm", "llm", "template"]
    assert all(DRAFT not in json.dumps(e) and "threatened" not in json.dumps(e) for e in events)
