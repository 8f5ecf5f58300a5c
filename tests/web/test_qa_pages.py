"""The quality review pages of the console, on both databases: the QA queue, a blind review
(the decision and its analyst absent from the HTML until the review is in), a lead's ruling,
feedback acknowledged or disputed and settled, and the agreement table with its intervals."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, csrf_of, sign_in
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

PHISHING = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "Credential form behind the link, sent to many.",
    "actions": [{"kind": "remove_content"}],
}
SPAM = {"policy_id": "SP-SPAM", "violation": "yes", "rationale": "Bulk spam, no credential form."}


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        # A name that appears nowhere else on the page, so its absence means something.
        "zoltan": make_user("analyst", "zoltan", PASSWORD),
        "quinn": make_user("qa", "quinn", PASSWORD),
        "lena": make_user("lead", "lena", PASSWORD),
    }


def sampled(client: TestClient, runtime: Runtime, people: dict[str, Person], n: int) -> list[int]:
    """``n`` phishing decisions by zoltan, sampled; the ids in quinn's queue."""
    for i in range(1, n + 1):
        body = report(
            i, text="verify your account at this link", subject={"kind": "account", "id": f"a{i}"}
        )
        key = client.post("/api/v1/reports", json=body, headers=people["intake"].headers).json()
        r = client.post(
            f"/api/v1/cases/{key['case']}/decision", json=PHISHING, headers=people["zoltan"].headers
        )
        assert r.status_code == 201, r.text
    next(j for j in JOBS if j.name == "qa-sample").run(runtime)
    queue = client.get("/api/v1/qa/queue", headers=people["quinn"].headers).json()
    return [int(s["id"]) for s in queue]


def as_person(client: TestClient, username: str) -> str:
    client.cookies.clear()
    return sign_in(client, username)


def test_blind_review_feedback_dispute_and_agreement_pages(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    first, *_ = sampled(client, runtime, people, 4)
    csrf = as_person(client, "quinn")

    queue = client.get("/qa")
    assert queue.status_code == 200
    assert f"QA-{first}" in queue.text and "Take" in queue.text
    assert 'href="/qa"' in queue.text  # the nav link, for a reviewer

    taken = client.post(f"/qa/samples/{first}/claim", data={"csrf_token": csrf})
    page = taken.text
    assert taken.status_code == 200 and "Your verdict" in page
    assert "verify your account at this link" in page
    # Blind: neither the decision nor who made it, nor its rationale, is anywhere in the HTML.
    assert "zoltan" not in page and "Original decision" not in page
    assert PHISHING["rationale"] not in page
    assert '<optgroup label="Fraud' in page and 'value="FR-PHISHING"' in page

    # No violation chosen: refused on the form, nothing submitted.
    refused = client.post(
        f"/qa/samples/{first}/review",
        data={"csrf_token": csrf, "policy_id": "SP-SPAM", "rationale": "spam"},
    )
    assert refused.status_code == 422 and "whether it is a violation" in refused.text
    assert "zoltan" not in refused.text

    note = "Look for a credential form before calling it spam."
    done = client.post(
        f"/qa/samples/{first}/review",
        data={"csrf_token": csrf, **SPAM, "note_to_analyst": note},
    )
    assert done.status_code == 200
    assert "Original decision" in done.text and "zoltan" in done.text
    assert "FR-PHISHING" in done.text and "Disagree" in done.text
    assert "Adjudicate" not in done.text  # the reviewer does not rule on their own review

    # The analyst: feedback with Acknowledge and Dispute; a dispute needs its reason.
    csrf = as_person(client, "zoltan")
    assert client.get("/qa").status_code == 403
    mine = client.get("/qa/feedback")
    assert note in mine.text and "Acknowledge" in mine.text
    fid = int(re.findall(r'action="/qa/feedback/(\d+)/answer"', mine.text)[0])
    empty = client.post(
        f"/qa/feedback/{fid}/answer", data={"csrf_token": csrf, "outcome": "dispute"}
    )
    assert empty.status_code == 422 and "needs its reason" in empty.text
    reason = "The page asked for a password: phishing."
    disputed = client.post(
        f"/qa/feedback/{fid}/answer",
        data={"csrf_token": csrf, "outcome": "dispute", "response": reason},
    )
    assert disputed.status_code == 200 and "disputed" in disputed.text
    assert f'action="/qa/feedback/{fid}/answer"' not in disputed.text  # answered once

    # The lead: the dispute with both verdicts; a ruling needs its note; overturned.
    csrf = as_person(client, "lena")
    leads = client.get("/qa/feedback")
    assert reason in leads.text and "Uphold the review" in leads.text
    assert "Overturn it" in leads.text
    bare = client.post(
        f"/qa/feedback/{fid}/resolve", data={"csrf_token": csrf, "outcome": "overturned"}
    )
    assert bare.status_code == 422 and "write a note" in bare.text
    settled = client.post(
        f"/qa/feedback/{fid}/resolve",
        data={"csrf_token": csrf, "outcome": "overturned", "note": "Credential form seen."},
    )
    assert settled.status_code == 200 and "No dispute is waiting" in settled.text
    final = client.get(f"/qa/samples/{first}").text
    assert "Final verdict" in final and "dispute overturned: Credential form seen." in final

    table = client.get("/qa/agreement", params={"by": "analyst"})
    assert table.status_code == 200
    row = re.search(r'<th scope="row">zoltan</th>(.*?)</tr>', table.text, re.S)
    assert row is not None
    assert "n=1" in row.group(1) and "too few to say" in row.group(1)
    assert '<th scope="col">Cohen' in table.text
    assert client.get("/qa/agreement", params={"by": "moon"}).status_code == 422
    backwards = client.get("/qa/agreement", params={"from": "2026-02-02", "to": "2026-02-01"})
    assert backwards.status_code == 422 and "from must be on or before to" in backwards.text


def test_a_lead_rules_on_a_disagreement_from_the_sample_page(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    first, *_ = sampled(client, runtime, people, 3)
    csrf = as_person(client, "quinn")
    client.post(f"/qa/samples/{first}/claim", data={"csrf_token": csrf})
    client.post(f"/qa/samples/{first}/review", data={"csrf_token": csrf, **SPAM})
    # Someone else's review in progress or done: quinn cannot take it twice.
    again = client.post(f"/qa/samples/{first}/claim", data={"csrf_token": csrf})
    assert again.status_code == 409 and "Not taken" in again.text

    csrf = as_person(client, "lena")
    page = client.get(f"/qa/samples/{first}").text
    assert "Adjudicate" in page and "waiting for a lead" in page
    ruled = client.post(
        f"/qa/samples/{first}/adjudicate",
        data={
            "csrf_token": csrf,
            "policy_id": "FR-PHISHING",
            "violation": "yes",
            "note": "The form asks for a password.",
        },
    )
    assert ruled.status_code == 200 and "adjudicated" in ruled.text
    assert "by lena: The form asks for a password." in ruled.text


def test_a_sample_in_someone_elses_review_stays_blind(
    client: TestClient,
    runtime: Runtime,
    people: dict[str, Person],
    make_user: Callable[..., Person],
) -> None:
    first, *_ = sampled(client, runtime, people, 3)
    make_user("qa", "rita", PASSWORD)
    csrf = as_person(client, "quinn")
    client.post(f"/qa/samples/{first}/claim", data={"csrf_token": csrf})
    as_person(client, "rita")
    page = client.get(f"/qa/samples/{first}")
    assert page.status_code == 200 and "in review by quinn" in page.text
    assert "zoltan" not in page.text and "Your verdict" not in page.text
    assert csrf_of(page.text)
