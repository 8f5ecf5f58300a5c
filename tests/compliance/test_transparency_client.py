"""Submitting batches to a real local HTTP server that answers like the DSA Transparency
Database's batch endpoint (tests/compliance/conftest.py)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.compliance.conftest import TOKEN, FakeDatabase
from watchfloor.compliance.statements.client import submit_batch


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


def statement(puid: str) -> dict[str, object]:
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community guidelines, Hate",
        "incompatible_content_explanation": "Attacks people for a protected characteristic.",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "territorial_scope": ["DE"],
        "content_date": "2026-03-01",
        "application_date": "2026-03-02",
        "decision_facts": "A post calling a group vermin.",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": puid,
    }


def test_a_created_batch_gives_the_databases_id_for_each_puid(
    database: FakeDatabase, client: httpx.Client
) -> None:
    batch = [statement("wf-CASE-000001-1"), statement("wf-CASE-000002-2")]
    result = submit_batch(batch, base_url=database.url + "/", token=TOKEN, client=client)
    assert result.outcome == "created" and result.status == 201
    assert set(result.ids) == {"wf-CASE-000001-1", "wf-CASE-000002-2"}
    assert result.ids["wf-CASE-000001-1"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "wf-CASE-000001-1"))
    sent = database.requests[0]
    assert sent["path"] == "/api/v1/statements"
    assert sent["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert sent["headers"]["accept"] == "application/json"
    assert sent["body"] == {"statements": batch}


def test_sending_a_puid_again_is_a_duplicate_not_a_retry(
    database: FakeDatabase, client: httpx.Client
) -> None:
    submit_batch([statement("wf-1")], base_url=database.url, token=TOKEN, client=client)
    result = submit_batch(
        [statement("wf-1"), statement("wf-2")], base_url=database.url, token=TOKEN, client=client
    )
    assert result.outcome == "duplicate_puid" and result.status == 422
    assert result.duplicate_puids == ("wf-1",)
    assert not result.retryable


def test_a_puid_repeated_within_the_batch_is_refused(
    database: FakeDatabase, client: httpx.Client
) -> None:
    result = submit_batch(
        [statement("wf-7"), statement("wf-7")], base_url=database.url, token=TOKEN, client=client
    )
    assert result.outcome == "duplicate_puid"
    assert result.duplicate_puids == ("wf-7",)


def test_failing_fields_are_given_per_statement(
    database: FakeDatabase, client: httpx.Client
) -> None:
    errors = {
        "statement_0": {"decision_ground": ["The selected decision ground is invalid."]},
        "statement_2": {"decision_provision": ["The selected decision provision is invalid."]},
    }
    database.script.append((422, {"errors": errors}, {}))
    batch = [statement(f"wf-{i}") for i in range(3)]
    result = submit_batch(batch, base_url=database.url, token=TOKEN, client=client)
    assert result.outcome == "invalid" and not result.retryable
    assert result.errors == errors


def test_too_many_requests_is_retryable_after_the_servers_delay(
    database: FakeDatabase, client: httpx.Client
) -> None:
    database.script.append((429, {"message": "Too Many Attempts."}, {"Retry-After": "7"}))
    result = submit_batch([statement("wf-1")], base_url=database.url, token=TOKEN, client=client)
    assert result.outcome == "retry" and result.retryable and result.status == 429
    assert result.retry_after == 7.0
    assert result.message == "Too Many Attempts."


def test_a_retry_after_date_is_given_as_a_moment(
    database: FakeDatabase, client: httpx.Client
) -> None:
    database.script.append((503, {}, {"Retry-After": "Mon, 02 Mar 2026 10:05:00 GMT"}))
    result = submit_batch([statement("wf-1")], base_url=database.url, token=TOKEN, client=client)
    assert result.retryable and result.retry_after is None
    assert result.retry_at == datetime(2026, 3, 2, 10, 5, tzinfo=UTC)


def test_a_server_error_is_retryable(database: FakeDatabase, client: httpx.Client) -> None:
    database.script.append((500, {"message": "Server Error"}, {}))
    result = submit_batch([statement("wf-1")], base_url=database.url, token=TOKEN, client=client)
    assert result.outcome == "retry" and result.status == 500
    assert database.known_puids == set()  # nothing was created


def test_a_bad_token_is_refused_and_not_retried(
    database: FakeDatabase, client: httpx.Client
) -> None:
    result = submit_batch([statement("wf-1")], base_url=database.url, token="old", client=client)
    assert result.outcome == "refused" and result.status == 401
    assert not result.retryable
    assert result.message == "Unauthenticated."


def test_an_unreachable_database_is_retryable(client: httpx.Client) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = submit_batch(
        [statement("wf-1")], base_url=f"http://127.0.0.1:{port}", token=TOKEN, client=client
    )
    assert result.outcome == "retry" and result.status is None
    assert "could not reach" in result.message


@pytest.mark.parametrize("size", [0, 101])
def test_a_batch_outside_one_to_a_hundred_is_not_sent(
    size: int, database: FakeDatabase, client: httpx.Client
) -> None:
    with pytest.raises(ValueError, match="1 to 100"):
        submit_batch([statement(f"wf-{i}") for i in range(size)], base_url=database.url,
                     token=TOKEN, client=client)  # fmt: skip
    assert database.requests == []
