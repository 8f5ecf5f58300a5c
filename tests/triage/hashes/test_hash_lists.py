"""Hash lists through the API, and matching evidence against them, on both databases."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.triage.hashes.images import encode, pattern, resized_jpeg
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.triage.hashes import service as hash_lists
from watchfloor.triage.hashes.hashing import compute

URL = "/api/v1/hash-lists"
CSV = {"content-type": "text/csv"}


@pytest.fixture
def lead(make_user: Callable[..., Person]) -> Person:
    return make_user("lead")


def make_list(client: TestClient, who: Person, name: str, **fields: object) -> dict[str, object]:
    body = {"name": name, "harm_area": "child_safety", "child_safety": True, **fields}
    r = client.post(URL, json=body, headers=who.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def upload(
    client: TestClient, who: Person, name: str, text: str, fmt: str = "csv"
) -> dict[str, object]:
    r = client.post(
        f"{URL}/{name}/entries?format={fmt}",
        content=text.encode(),
        headers={**who.headers, **CSV},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def match(
    runtime: Runtime, items: list[tuple[int, bytes]]
) -> dict[int, list[hash_lists.HashMatch]]:
    with session_scope(runtime.sessions) as session:
        return hash_lists.match_evidence(session, items)


def test_an_image_matches_a_child_safety_list_by_pdq_after_resizing(
    client: TestClient, runtime: Runtime, lead: Person
) -> None:
    original = encode(pattern(1))
    make_list(client, lead, "ncmec-demo")
    make_list(client, lead, "scam-images", harm_area="fraud_scams", child_safety=False)
    pdq = compute(original).pdq
    upload(client, lead, "ncmec-demo", f"algorithm,value,label\npdq,{pdq},known image 1\n")
    upload(client, lead, "scam-images", f"algorithm,value\npdq,{compute(encode(pattern(9))).pdq}\n")

    found = match(
        runtime,
        [(0, resized_jpeg(pattern(1))), (1, encode(pattern(2))), (2, b"plain text evidence")],
    )
    assert list(found) == [0]
    [m] = found[0]
    assert (m.list_name, m.child_safety, m.algorithm, m.harm_area) == (
        "ncmec-demo",
        True,
        "pdq",
        "child_safety",
    )
    assert 0 < m.distance <= 31 and m.label == "known image 1"
    assert m.reason == (
        f"image matched hash list 'ncmec-demo' (child safety) by PDQ at distance {m.distance}"
    )


def test_exact_matches_by_sha256_and_md5_child_safety_first(
    client: TestClient, runtime: Runtime, lead: Person
) -> None:
    video = b"\x00\x00\x00\x18ftypmp42 pretend video bytes"
    sha, md5 = hashlib.sha256(video).hexdigest(), hashlib.md5(video).hexdigest()
    make_list(client, lead, "spam-files", harm_area="spam_manipulation", child_safety=False)
    make_list(client, lead, "csam-md5")
    upload(client, lead, "spam-files", f"algorithm,value\nsha256,{sha.upper()}\n")
    upload(client, lead, "csam-md5", f"algorithm,value\nmd5,{md5}\n")

    found = match(runtime, [(7, video), (8, video + b"!")])
    assert list(found) == [7]
    assert [(m.list_name, m.algorithm, m.distance) for m in found[7]] == [
        ("csam-md5", "md5", 0),
        ("spam-files", "sha256", 0),
    ]
    assert found[7][0].reason == "file matched hash list 'csam-md5' (child safety) by MD5 (exact)"
    assert found[7][1].reason == "file matched hash list 'spam-files' by SHA-256 (exact)"


def test_a_deleted_list_stops_matching_and_a_new_import_starts(
    client: TestClient, runtime: Runtime, lead: Person
) -> None:
    image = encode(pattern(4))
    make_list(client, lead, "list-a")
    upload(client, lead, "list-a", f"algorithm,value\npdq,{compute(image).pdq}\n")
    assert match(runtime, [(1, image)])[1][0].list_name == "list-a"
    assert client.delete(f"{URL}/list-a", headers=lead.headers).status_code == 204
    assert match(runtime, [(1, image)]) == {}
    # Same name again, on a fresh list: the cached PDQ hashes of the old one are not used.
    make_list(client, lead, "list-a")
    assert match(runtime, [(1, image)]) == {}
    upload(client, lead, "list-a", f"algorithm,value\npdq,{compute(image).pdq}\n")
    assert match(runtime, [(1, image)])[1][0].distance == 0


def test_no_lists_no_matches(runtime: Runtime) -> None:
    assert match(runtime, [(1, encode(pattern(1)))]) == {}
    assert match(runtime, []) == {}


def test_import_counts_duplicates_and_reads_threatexchange(
    client: TestClient, lead: Person, make_user: Callable[..., Person]
) -> None:
    made = make_list(client, lead, "te-list", source="threatexchange", description="demo")
    assert made["entry_count"] == 0 and made["source"] == "threatexchange"
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    first = upload(
        client,
        lead,
        "te-list",
        f"pdq {pdq}\npdq {pdq}\nvideo_md5 d41d8cd98f00b204e9800998ecf8427e\nurl https://x.test\n",
        fmt="threatexchange",
    )
    assert first == {
        "added": 2,
        "duplicates": 1,
        "skipped": {"of signal type 'url'": 1},
        "entry_count": 2,
    }
    again = upload(client, lead, "te-list", f"algorithm,value\npdq,{pdq.upper()}\n")
    assert (again["added"], again["duplicates"], again["entry_count"]) == (0, 1, 2)

    analyst = make_user("analyst")
    one = client.get(f"{URL}/te-list", headers=analyst.headers).json()
    assert one["by_algorithm"] == {"md5": 1, "pdq": 1} and one["entry_count"] == 2
    listed = client.get(URL, headers=analyst.headers).json()
    assert [x["name"] for x in listed] == ["te-list"]
    assert "value" not in str(listed)  # the hashes themselves are never shown

    trail = client.get("/api/v1/audit?object_id=te-list", headers=lead.headers).json()
    actions = [e["action"] for e in trail]
    assert actions.count("hash_list.imported") == 2 and "hash_list.created" in actions
    assert all(e["actor"] == f"user:{lead.username}" for e in trail)


def test_a_bad_csv_names_its_lines_and_adds_nothing(client: TestClient, lead: Person) -> None:
    make_list(client, lead, "strict")
    body = f"algorithm,value\nsha256,{'a' * 64}\nmd5,nope\npdq,{'z' * 64}\n"
    r = client.post(f"{URL}/strict/entries", content=body.encode(), headers={**lead.headers, **CSV})
    assert r.status_code == 422
    out = r.json()
    assert "line 3: 'nope' is not a MD5 hash" in out["detail"]
    assert [e["loc"] for e in out["errors"]] == [["body", "line", 3], ["body", "line", 4]]
    assert client.get(f"{URL}/strict", headers=lead.headers).json()["entry_count"] == 0


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "loc_or_text"),
    [
        (
            "post",
            URL,
            {"json": {"name": "Bad Name!", "harm_area": "spam_manipulation"}},
            422,
            "name",
        ),
        ("post", URL, {"json": {"name": "x", "harm_area": "weather"}}, 422, "harm_area"),
        (
            "post",
            URL,
            {"json": {"name": "x", "harm_area": "spam_manipulation", "extra": 1}},
            422,
            "extra",
        ),
        ("get", f"{URL}/missing", {}, 404, "no hash list named 'missing'"),
        ("delete", f"{URL}/missing", {}, 404, "no hash list named 'missing'"),
        (
            "post",
            f"{URL}/missing/entries",
            {"content": b"algorithm,value\nmd5," + b"a" * 32, "headers": CSV},
            404,
            "no hash list",
        ),
        (
            "post",
            f"{URL}/exists/entries?format=yaml",
            {"content": b"x", "headers": CSV},
            422,
            "format",
        ),
        ("post", f"{URL}/exists/entries", {"content": b"", "headers": CSV}, 422, "body"),
        ("post", f"{URL}/exists/entries", {"content": b"\xff\xfe", "headers": CSV}, 422, "UTF-8"),
        ("get", f"{URL}/UPPER", {}, 422, "name"),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(
    client: TestClient,
    lead: Person,
    method: str,
    path: str,
    kwargs: dict[str, object],
    status: int,
    loc_or_text: str,
) -> None:
    make_list(client, lead, "exists")
    headers = {**lead.headers, **dict(kwargs.pop("headers", {}))}  # type: ignore[call-overload]
    r = client.request(method.upper(), path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    assert loc_or_text in r.text


def test_a_taken_name_is_409(client: TestClient, lead: Person) -> None:
    make_list(client, lead, "dup")
    r = client.post(
        URL, json={"name": "dup", "harm_area": "spam_manipulation"}, headers=lead.headers
    )
    assert r.status_code == 409 and "already exists" in r.json()["detail"]


def test_analysts_read_but_do_not_manage(
    client: TestClient, lead: Person, make_user: Callable[..., Person]
) -> None:
    make_list(client, lead, "ro")
    analyst = make_user("analyst")
    assert client.get(f"{URL}/ro", headers=analyst.headers).status_code == 200
    r = client.post(f"{URL}/ro/entries", content=b"x", headers={**analyst.headers, **CSV})
    assert r.status_code == 403
    assert client.delete(f"{URL}/ro", headers=analyst.headers).status_code == 403
    assert client.get(URL, headers=make_user("viewer").headers).status_code == 403


def test_intake_makes_a_report_with_matching_evidence_p0_and_names_the_list(
    client: TestClient, lead: Person, make_user: Callable[..., Person]
) -> None:
    import base64

    from tests.factories import report

    make_list(client, lead, "ncmec-demo")
    upload(client, lead, "ncmec-demo", f"algorithm,value\npdq,{compute(encode(pattern(1))).pdq}\n")
    submitter = make_user("intake")
    image = base64.b64encode(resized_jpeg(pattern(1))).decode()
    evidence = [
        {
            "kind": "file",
            "filename": "a.jpg",
            "media_type": "image/jpeg",
            "content_base64": image,
            "sensitivity": "graphic",
        }
    ]
    r = client.post(
        "/api/v1/reports",
        json=report(1, text="see the attached picture", evidence=evidence),
        headers=submitter.headers,
    )
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["harm_area"], result["priority"], result["risk"]) == ("child_safety", "P0", 1.0)
    assert result["reasons"][0].startswith("image matched hash list 'ncmec-demo' (child safety)")
    case = client.get(f"/api/v1/cases/{result['case']}", headers=lead.headers).json()
    assert case["queue"] == "life-safety" and case["priority"] == "P0"
    assert case["reasons"][0].startswith("image matched hash list 'ncmec-demo'")
    # An unrelated image on another report triggers nothing.
    other = base64.b64encode(encode(pattern(7))).decode()
    evidence[0]["content_base64"] = other
    r = client.post(
        "/api/v1/reports",
        json=report(2, text="see the attached picture", evidence=evidence),
        headers=submitter.headers,
    )
    assert r.json()["priority"] != "P0"
