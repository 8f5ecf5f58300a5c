"""Intake through the API: one report, batches, repeats, bad input, linking into cases."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Person
from tests.factories import report
from watchfloor.app import create_app
from watchfloor.audit import service as audit
from watchfloor.cases.models import Case
from watchfloor.db import session_scope
from watchfloor.intake.models import Report
from watchfloor.runtime import Runtime

URL = "/api/v1/reports"


@pytest.fixture
def intake(make_user: Callable[..., Person]) -> Person:
    return make_user("intake")


def test_a_report_opens_a_triaged_case_in_the_right_queue(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    body = report(1, text="My friend said she will kill myself tonight, please help")
    r = client.post(URL, json=body, headers=intake.headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["created"] and out["case_opened"]
    assert out["harm_area"] == "self_harm" and out["priority"] == "P0"
    assert "matched imminent self-harm phrase 'kill myself' → P0" in out["reasons"]

    analyst = make_user("analyst")
    case = client.get(f"/api/v1/cases/{out['case']}", headers=analyst.headers).json()
    assert case["status"] == "triaged"
    assert case["queue"] == "life-safety"
    assert case["priority"] == "P0"
    assert case["reports"][0]["text"] == body["text"]
    assert "assign" in case["allowed_actions"]


def test_sending_a_report_again_returns_the_original(client: TestClient, intake: Person) -> None:
    first = client.post(URL, json=report(7), headers=intake.headers)
    again = client.post(URL, json=report(7, text="different text, same id"), headers=intake.headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["report_id"] == first.json()["report_id"]
    assert again.json()["created"] is False
    assert again.json()["case"] == first.json()["case"]


def test_reports_sent_at_once_are_each_answered_as_if_sent_alone(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    # Twenty reports about five subjects, the same report three more times, and a bad one, all
    # at once: the single endpoint commits concurrent reports together (group commit).
    bodies = [report(n, subject={"kind": "account", "id": f"acct-{n % 5}"}) for n in range(20)]
    bodies += [bodies[3]] * 3 + [report(99, category="not_a_harm_area")]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda b: client.post(URL, json=b, headers=intake.headers), bodies))

    bad = answers.pop()
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["loc"] == ["body", "category"]
    by_id: dict[str, list[int]] = {}
    for body, answer in zip(bodies, answers, strict=False):
        assert answer.status_code in (200, 201), answer.text
        by_id.setdefault(str(body["external_id"]), []).append(answer.status_code)
        assert answer.json()["external_id"] == body["external_id"]
    assert sorted(by_id["r-3"]) == [200, 200, 200, 201]
    assert all(codes == [201] for key, codes in by_id.items() if key != "r-3")
    assert len({a.json()["report_id"] for a in answers}) == 20
    assert Counter(a.json()["case"] for a in answers[:20]).most_common(1)[0][1] == 4
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 20
        assert s.scalar(select(func.count()).select_from(Case)) == 5
        assert s.scalar(select(func.sum(Case.report_count))) == 20
        assert audit.verify(s).ok


def test_batch_is_idempotent_per_item_and_within_itself(client: TestClient, intake: Person) -> None:
    client.post(URL, json=report(1), headers=intake.headers)
    batch = [report(1), report(2), report(3), report(2)]
    r = client.post(f"{URL}/batch", json={"reports": batch}, headers=intake.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["created"] for x in out["results"]] == [False, True, True, False]
    assert out["results"][1]["report_id"] == out["results"][3]["report_id"]
    assert (out["created"], out["duplicates"]) == (2, 2)


def test_repeats_are_found_per_source_in_a_mixed_batch(client: TestClient, intake: Person) -> None:
    """The same external id from two sources is two reports; a repeat is found in its source."""
    client.post(URL, json=report(1), headers=intake.headers)
    client.post(URL, json=report(2, source="email"), headers=intake.headers)
    batch = [report(1, source="email"), report(1), report(2, source="email"), report(3)]
    r = client.post(f"{URL}/batch", json={"reports": batch}, headers=intake.headers)
    assert r.status_code == 200, r.text
    assert [x["created"] for x in r.json()["results"]] == [True, False, False, True]


def test_reports_about_one_subject_and_harm_share_a_case(
    client: TestClient, intake: Person
) -> None:
    same = {"kind": "account", "id": "acct-scammer"}
    a = client.post(URL, json=report(1, subject=same), headers=intake.headers).json()
    b = client.post(
        URL, json=report(2, subject=same, text="another fake giveaway scam"), headers=intake.headers
    ).json()
    other_harm = client.post(
        URL,
        json=report(3, subject=same, text="they posted my home address"),
        headers=intake.headers,
    ).json()
    assert a["case_opened"] and not b["case_opened"]
    assert a["case"] == b["case"]
    assert other_harm["case"] != a["case"]


def test_a_more_urgent_report_raises_the_case_and_moves_it(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    same = {"kind": "account", "id": "acct-9"}
    a = client.post(
        URL, json=report(1, subject=same, text="he keeps harassing me"), headers=intake.headers
    )
    b = client.post(
        URL,
        json=report(2, subject=same, text="harassing me again and says i know where you live"),
        headers=intake.headers,
    )
    assert a.json()["priority"] == "P2"
    # The second report is about a threat, so triage places it under violence, not harassment:
    # a different harm area opens its own case.
    assert b.json()["harm_area"] == "violence_threats" and b.json()["priority"] == "P0"
    c = client.post(
        URL,
        json=report(3, subject=same, text="harassing me, doxxing my family"),
        headers=intake.headers,
    ).json()
    assert c["case"] == a.json()["case"]
    case = client.get(f"/api/v1/cases/{c['case']}", headers=make_user("lead").headers).json()
    assert case["priority"] == "P1" and case["report_count"] == 2


def test_bad_input_names_every_bad_field_and_stores_nothing(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    batch = [
        report(1),
        report(2, subject={"kind": "planet", "id": "x"}),
        report(3, text=""),
        report(4, category="not_a_harm_area"),
    ]
    r = client.post(f"{URL}/batch", json={"reports": batch}, headers=intake.headers)
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("body", "reports", 1, "subject", "kind") in locs
    assert ("body", "reports", 2, "text") in locs
    # The unknown category is checked after parsing: sent alone it is named too.
    r2 = client.post(
        f"{URL}/batch", json={"reports": [report(1), batch[3]]}, headers=intake.headers
    )
    assert r2.status_code == 422
    assert r2.json()["errors"][0]["loc"] == ["body", "reports", 1, "category"]
    cases = client.get("/api/v1/cases", headers=make_user("viewer").headers).json()
    assert cases["cases"] == []


def test_oversized_payload_is_413_and_stores_nothing(
    runtime: Runtime, intake: Person, make_user: Callable[..., Person]
) -> None:
    runtime.settings.max_request_bytes = 4096
    with TestClient(create_app(runtime)) as small:
        r = small.post(URL, json=report(1, text="x" * 5000), headers=intake.headers)
        assert r.status_code == 413
        assert "larger than 4096 bytes" in r.json()["detail"]
        # Without a Content-Length (chunked), the limit still holds.
        chunks = iter([b'{"source": "in_app", "text": "', b"y" * 5000, b'"}'])
        r = small.post(
            URL, content=chunks, headers={**intake.headers, "content-type": "application/json"}
        )
        assert r.status_code == 413
        cases = small.get("/api/v1/cases", headers=make_user("viewer").headers).json()
        assert cases["cases"] == []


def test_batch_over_1000_is_refused(client: TestClient, intake: Person) -> None:
    r = client.post(
        f"{URL}/batch", json={"reports": [report(i) for i in range(1001)]}, headers=intake.headers
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "reports"]


def test_malformed_json_is_422(client: TestClient, intake: Person) -> None:
    r = client.post(
        URL, content=b"{not json", headers={**intake.headers, "content-type": "application/json"}
    )
    assert r.status_code == 422


def test_nul_characters_are_named_not_a_server_error(client: TestClient, intake: Person) -> None:
    body = report(1, text="abc\x00def", metadata={"k": ["ok", "x\x00"]})
    r = client.post(URL, json=body, headers=intake.headers)
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("body", "text"),
        ("body", "metadata", "k", 1),
    }
    r = client.get("/api/v1/cases?harm_area=a%00b", headers=intake.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "harm_area"]


def test_metadata_a_database_cannot_store_is_422_naming_each_value(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    """orjson, which writes JSON columns, refuses integers beyond 64 bits (a 500 at INSERT on
    both databases, before): such values are named in the answer and nothing is stored."""
    batch = [report(i) for i in range(3)]
    batch.append(report(3, metadata={"x": 2**64, "ok": [1, True, None], "deep": [{"y": -(2**70)}]}))
    r = client.post(f"{URL}/batch", json={"reports": batch}, headers=intake.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"loc": ["body", "reports", 3, "metadata", "x"], "msg": ANY_64_BIT},
        {"loc": ["body", "reports", 3, "metadata", "deep", 0, "y"], "msg": ANY_64_BIT},
    ]
    assert "body.reports.3.metadata.x: integer out of range" in r.json()["detail"]
    # Sent alone, or for the worker to triage later: the same answer.
    for headers in (intake.headers, {**intake.headers, "Prefer": "respond-async"}):
        one = client.post(URL, json=batch[3], headers=headers)
        assert one.status_code == 422, one.text
        assert one.json()["errors"][0]["loc"] == ["body", "metadata", "x"]
    cases = client.get("/api/v1/cases", headers=make_user("viewer").headers).json()
    assert cases["cases"] == []


ANY_64_BIT = (
    "integer out of range: numbers must fit in 64 bits "
    "(-9223372036854775808 to 9223372036854775807); send a larger one as a string"
)


@pytest.mark.parametrize(
    ("raw_metadata", "loc", "msg"),
    [
        (b'{"n": NaN}', ["n"], "not a finite number (NaN and Infinity are not JSON)"),
        (b'{"n": [1e999]}', ["n", 0], "not a finite number (NaN and Infinity are not JSON)"),
        (b'{"s": "\\ud800"}', ["s"], "not valid Unicode text: holds a lone surrogate"),
        (b'{"\\udc00k": 1}', ["\\udc00k"], "not valid Unicode text: holds a lone surrogate"),
        (b'{"d": ' + b"[" * 40 + b"]" * 40 + b"}", ["d", *[0] * 31], "nested more than 32"),
    ],
)
def test_other_metadata_json_cannot_hold_is_named_too(
    client: TestClient, intake: Person, raw_metadata: bytes, loc: list[object], msg: str
) -> None:
    body = json.dumps(report(1)).encode()[:-1] + b', "metadata": ' + raw_metadata + b"}"
    headers = {**intake.headers, "content-type": "application/json"}
    r = client.post(URL, content=body, headers=headers)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["loc"] == ["body", "metadata", *loc]
    assert error["msg"].startswith(msg)


def test_metadata_at_the_64_bit_limits_is_stored_exactly(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    metadata = {"max": 2**63 - 1, "min": -(2**63), "flag": False, "nested": {"list": [1.5, None]}}
    r = client.post(URL, json=report(1, metadata=metadata), headers=intake.headers)
    assert r.status_code == 201, r.text
    read = client.get(f"{URL}/{r.json()['report_id']}", headers=make_user("lead").headers)
    assert read.json()["metadata"] == metadata
