"""Near-duplicate reports through the API: one scam template, many senders, is one campaign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.runtime import Runtime
from watchfloor.triage.linking import minhash, similar
from watchfloor.worker import run_once

REPORTS = "/api/v1/reports"
TEMPLATE = (
    "Congratulations {name}! You have won {amount} dollars in our anniversary giveaway. "
    "To claim your prize send a {fee} dollar processing fee by gift card to our payout desk "
    "within {hours} hours, or the prize goes to the next winner. {tail}"
)
VARIANTS = [
    {"name": "Anna", "amount": "5000", "fee": "25", "hours": "24", "tail": "Reply now."},
    {"name": "Sam", "amount": "7500", "fee": "40", "hours": "48", "tail": "Reply now."},
    {"name": "dear user", "amount": "900", "fee": "15", "hours": "12", "tail": "Act fast!"},
]
UNRELATED = (
    "He keeps sending me threatening messages every night and says he knows where my "
    "children go to school. Please do something before it gets worse."
)


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst", "viewer")}


def submit(
    client: TestClient, who: Person, texts: list[str], runtime: Runtime
) -> list[dict[str, Any]]:
    """Send the texts as one batch, then let the worker's index-texts job index them."""
    batch = [report(i, text=t) for i, t in enumerate(texts)]  # a different account each
    r = client.post(f"{REPORTS}/batch", json={"reports": batch}, headers=who.headers)
    assert r.status_code == 200, r.text
    assert run_once(runtime) >= len(texts)
    assert similar.index_pending(runtime.sessions, runtime.clock) == 0  # all done, once each
    results: list[dict[str, Any]] = r.json()["results"]
    return results


def test_one_template_with_small_edits_is_found_and_other_text_is_not(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    scams = [TEMPLATE.format(**v) for v in VARIANTS]
    # One more sender, a word changed and one dropped.
    scams.append(scams[0].replace("anniversary", "birthday").replace(" by gift card", " in gifts"))
    out = submit(client, people["intake"], [*scams, UNRELATED, "scam!! see above"], runtime)
    first, *others = out[:4]

    r = client.get(f"{REPORTS}/{first['report_id']}/similar", headers=people["viewer"].headers)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["indexed"] and view["case"] == first["case"] and not view["capped"]
    found = {s["report_id"]: s for s in view["reports"]}
    assert set(found) == {o["report_id"] for o in others}
    scores = [s["similarity"] for s in view["reports"]]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.6
    assert view["cases"] == sorted({o["case"] for o in others})
    assert found[others[0]["report_id"]]["case"] == others[0]["case"]
    assert found[others[0]["report_id"]]["excerpt"].startswith("Congratulations Sam!")

    # Each other sender finds the rest of the campaign, and never the unrelated report.
    unrelated, short = out[4]["report_id"], out[5]["report_id"]
    for o in others:
        view = client.get(f"{REPORTS}/{o['report_id']}/similar", headers=people["analyst"].headers)
        ids = {s["report_id"] for s in view.json()["reports"]}
        assert first["report_id"] in ids and unrelated not in ids
    view = client.get(f"{REPORTS}/{unrelated}/similar", headers=people["analyst"].headers).json()
    assert view["indexed"] and view["reports"] == []
    # A few words are no evidence of a campaign: not indexed, and said so.
    view = client.get(f"{REPORTS}/{short}/similar", headers=people["analyst"].headers).json()
    assert view["indexed"] is False and view["reports"] == []

    # A stricter threshold and a limit cut the list.
    strict = client.get(
        f"{REPORTS}/{first['report_id']}/similar?min_similarity=1.0",
        headers=people["viewer"].headers,
    ).json()
    assert strict["reports"] == []
    one = client.get(
        f"{REPORTS}/{first['report_id']}/similar?limit=1", headers=people["viewer"].headers
    ).json()
    assert len(one["reports"]) == 1 and one["reports"][0]["similarity"] == scores[0]


def test_unknown_reports_and_bad_parameters(
    client: TestClient, people: dict[str, Person], runtime: Runtime
) -> None:
    who = people["analyst"].headers
    r = client.get(f"{REPORTS}/999/similar", headers=who)
    assert r.status_code == 404 and r.json()["detail"] == "no report 999"
    rid = submit(client, people["intake"], [UNRELATED], runtime)[0]["report_id"]
    for query, field in (
        ("min_similarity=0.1", "min_similarity"),
        ("min_similarity=2", "min_similarity"),
        ("min_similarity=lots", "min_similarity"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ):
        r = client.get(f"{REPORTS}/{rid}/similar?{query}", headers=who)
        assert r.status_code == 422, query
        assert r.json()["errors"][0]["loc"] == ["query", field]
    r = client.get(f"{REPORTS}/{rid}/similar", headers=people["intake"].headers)
    assert r.status_code == 403


def test_estimates_follow_the_true_resemblance() -> None:
    """The signature's estimate stays near the exact Jaccard similarity of the shingle sets."""
    texts = [TEMPLATE.format(**v) for v in VARIANTS] + [UNRELATED]
    for a in texts:
        for b in texts:
            sa, sb = minhash.shingles(a), minhash.shingles(b)
            exact = len(sa & sb) / len(sa | sb)
            sig_a, sig_b = minhash.signature(a), minhash.signature(b)
            assert sig_a is not None and sig_b is not None
            assert abs(minhash.resemblance(sig_a, sig_b) - exact) < 0.15
    assert minhash.signature("too short to say anything") is None
