"""Calibration exercises through the API, on both databases: a lead picks decided cases and
people; each answers blind; the report shows Krippendorff's alpha overall and per policy (checked
against the krippendorff package) and the cases where the team diverged."""

from __future__ import annotations

from collections.abc import Callable

import krippendorff
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.quality.test_quality_api import PHISHING, decide

SPAM = {**PHISHING, "policy_id": "SP-SPAM"}


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "ana": make_user("analyst", "ana"),
        "ben": make_user("analyst", "ben"),
        "cat": make_user("analyst", "cat"),
        "lena": make_user("lead", "lena"),
        "viewer": make_user("viewer"),
    }


def test_a_calibration_exercise_from_setup_to_report(
    client: TestClient, people: dict[str, Person]
) -> None:
    keys = [decide(client, people, "ana", n, PHISHING if n % 2 else SPAM) for n in range(1, 5)]
    lena = people["lena"].headers
    body = {"title": "Phishing or spam?", "cases": keys, "participants": ["ana", "ben", "cat"]}
    bad = client.post(
        "/api/v1/qa/calibrations", json={**body, "cases": ["CASE-999999"]}, headers=lena
    )
    assert bad.status_code == 422 and "CASE-999999" in bad.json()["detail"]
    bad = client.post(
        "/api/v1/qa/calibrations", json={**body, "participants": ["ana", "ghost"]}, headers=lena
    )
    assert bad.status_code == 422 and "ghost" in bad.json()["detail"]
    # A viewer neither decides cases nor reviews decisions, so may not read them to calibrate.
    viewer = people["viewer"].username
    bad = client.post(
        "/api/v1/qa/calibrations", json={**body, "participants": ["ana", viewer]}, headers=lena
    )
    assert bad.status_code == 422 and f"{viewer} (viewer)" in bad.json()["detail"]
    assert (
        client.post("/api/v1/qa/calibrations", json=body, headers=people["ana"].headers).status_code
        == 403
    )
    made = client.post("/api/v1/qa/calibrations", json=body, headers=lena)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]

    seen = client.get(f"/api/v1/qa/calibrations/{cid}", headers=people["ben"].headers).json()
    assert [i["case"] for i in seen["items"]] == keys
    assert "phishing" in seen["items"][0]["reports"][0]
    assert "FR-PHISHING" not in str(seen) and "SP-SPAM" not in str(seen)  # blind
    assert (
        client.get(f"/api/v1/qa/calibrations/{cid}", headers=people["viewer"].headers).status_code
        == 403
    )
    # Participants may not read the report before it closes.
    assert (
        client.get(
            f"/api/v1/qa/calibrations/{cid}/report", headers=people["ben"].headers
        ).status_code
        == 403
    )

    # ana and ben answer as decided; cat calls everything spam.
    answers: dict[str, dict[int, str]] = {"ana": {}, "ben": {}, "cat": {}}
    for who in answers:
        items = client.get(f"/api/v1/qa/calibrations/{cid}", headers=people[who].headers).json()[
            "items"
        ]
        for n, item in enumerate(items, start=1):
            policy = "SP-SPAM" if who == "cat" or n % 2 == 0 else "FR-PHISHING"
            r = client.put(
                f"/api/v1/qa/calibrations/{cid}/items/{item['id']}/answer",
                json={"policy_id": policy, "violation": True, "rationale": "as I read it"},
                headers=people[who].headers,
            )
            assert r.status_code == 200, r.text
            answers[who][n] = policy
    r = client.put(
        f"/api/v1/qa/calibrations/{cid}/items/{items[0]['id']}/answer",
        json={"policy_id": "SP-SPAM", "violation": True, "rationale": "x"},
        headers=people["lena"].headers,
    )
    assert r.status_code == 403  # not a participant

    report = client.get(f"/api/v1/qa/calibrations/{cid}/report", headers=lena).json()
    assert report["answered"] == report["expected"] == 12
    # The same figure as the reference implementation.
    labels = sorted({p for a in answers.values() for p in a.values()})
    data = np.array(
        [[labels.index(answers[w][n]) for n in range(1, 5)] for w in answers], dtype=float
    )
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert report["overall"]["value"] == pytest.approx(expected)
    by_policy = {p["policy_id"]: p for p in report["policies"]}
    assert by_policy["FR-PHISHING"]["with_decision"] == pytest.approx(4 / 6)
    assert by_policy["SP-SPAM"]["with_decision"] == 1.0
    # The phishing cases split 2:1, the spam ones are unanimous: the split ones come first.
    assert report["items"][0]["agreeing_share"] == pytest.approx(2 / 3)
    assert report["items"][-1]["agreeing_share"] == 1.0

    closed = client.post(f"/api/v1/qa/calibrations/{cid}/close", headers=lena).json()
    assert closed["closed_at"] is not None
    assert (
        client.get(
            f"/api/v1/qa/calibrations/{cid}/report", headers=people["ben"].headers
        ).status_code
        == 200
    )
    late = client.put(
        f"/api/v1/qa/calibrations/{cid}/items/{items[0]['id']}/answer",
        json={"policy_id": "SP-SPAM", "violation": True, "rationale": "x"},
        headers=people["ana"].headers,
    )
    assert late.status_code == 409
