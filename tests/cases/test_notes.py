"""Internal case notes through the API: added, listed, audited, refused when empty or not allowed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "lead", "viewer")}


def test_a_note_is_added_listed_in_order_and_audited(
    client: TestClient, people: dict[str, Person]
) -> None:
    r = client.post(
        "/api/v1/reports",
        json=report(1, text="phishing: verify your account here"),
        headers=people["intake"].headers,
    )
    key = r.json()["case"]
    notes = f"/api/v1/cases/{key}/notes"
    assert client.get(notes, headers=people["viewer"].headers).json() == []
    first = client.post(
        notes,
        json={"body": "  Same sender as last week's wave; checking the domain age.  "},
        headers=people["analyst"].headers,
    )
    assert first.status_code == 201, first.text
    assert first.json()["body"] == "Same sender as last week's wave; checking the domain age."
    assert first.json()["author"] == people["analyst"].username
    second = client.post(
        notes, json={"body": "Legal asked to keep the evidence."}, headers=people["lead"].headers
    )
    assert second.status_code == 201
    listed = client.get(notes, headers=people["viewer"].headers).json()
    assert [(n["author"], n["body"]) for n in listed] == [
        (people["analyst"].username, "Same sender as last week's wave; checking the domain age."),
        (people["lead"].username, "Legal asked to keep the evidence."),
    ]
    trail = client.get(
        "/api/v1/audit",
        params={"object_id": key, "action": "case.note"},
        headers=people["lead"].headers,
    ).json()
    assert [e["actor"] for e in trail] == [
        f"user:{people['lead'].username}",
        f"user:{people['analyst'].username}",
    ]
    # Empty, blank, too long, not allowed, no such case: each says what is wrong.
    for body in ({"body": ""}, {"body": "   "}, {"body": "x" * 4001}, {}, {"text": "hi"}):
        bad = client.post(notes, json=body, headers=people["analyst"].headers)
        assert bad.status_code == 422, body
        assert bad.json()["errors"], body
    assert (
        client.post(notes, json={"body": "hi"}, headers=people["viewer"].headers).status_code == 403
    )
    missing = client.post(
        "/api/v1/cases/CASE-999999/notes", json={"body": "hi"}, headers=people["analyst"].headers
    )
    assert missing.status_code == 404
    assert len(client.get(notes, headers=people["viewer"].headers).json()) == 2  # nothing more
