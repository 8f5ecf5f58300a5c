"""Quality review in a real headless Chromium, on the demo day: quinn (QA) takes a sample, reviews
it without seeing the decision, and disagrees with a note; the analyst who decided it reads the
note and disputes it; lena (lead) overturns the review; the agreement table shows the analyst.
axe-core finds no WCAG 2.2 AA violation on the queue, the sample, feedback and the agreement
table, and the queue and the table do not scroll sideways at a phone's 390 px."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.auth import service as auth
from watchfloor.db import session_scope
from watchfloor.quality import service as quality
from watchfloor.quality.models import QaSample
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD
from watchfloor.worker import JOBS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
ANALYSTS = {"sam", "priya", "jonas", "amara"}


def sign_in(p: object, username: str, target: str) -> None:
    p.goto(f"/login?next={target}")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"**{target}")  # type: ignore[attr-defined]


def sampled(runtime: Runtime) -> tuple[int, str, str]:
    """Fill the QA queue from the demo day's decisions; a sample of an analyst's decision in
    quinn's queue: its id, the analyst, and a policy other than the one they chose."""
    next(j for j in JOBS if j.name == "qa-sample").run(runtime)
    with session_scope(runtime.sessions) as session:
        sample = next(s for s in quality.queue(session, reviewer="quinn") if s.analyst in ANALYSTS)
        other = next(
            p.id
            for a in runtime.config.taxonomy.harm_areas
            for p in a.policies
            if p.id != sample.policy_id
        )
        return sample.id, sample.analyst, other


def reviewed(runtime: Runtime) -> None:
    """One sample reviewed by quinn, agreeing, so the agreement table has a row."""
    sample_id, _, _ = sampled(runtime)
    with session_scope(runtime.sessions) as session:
        quinn = auth.get_active(session, username="quinn")
        assert quinn is not None
        sample = session.get(QaSample, sample_id)
        assert sample is not None
        quality.claim(session, runtime.clock, sample_id=sample_id, by=quinn)
        quality.submit(
            session,
            runtime.clock,
            runtime.config.taxonomy,
            sample_id=sample_id,
            by=quinn,
            policy_id=sample.policy_id,
            violation=sample.violation,
            rationale="Right call.",
            note_to_analyst="",
        )


def test_a_review_disagrees_the_analyst_disputes_and_a_lead_overturns(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    sample_id, analyst, other = sampled(runtime)
    key = f"QA-{sample_id}"

    sign_in(p, "quinn", "/qa")
    expect(p.get_by_role("heading", level=1)).to_have_text("QA queue")
    assert axe_violations(p) == []
    shot(p, "qa-queue", request)
    p.get_by_role("button", name=f"Take {key}", exact=True).click()
    p.wait_for_url(f"**/qa/samples/{sample_id}")

    # Blind: the report texts and facts, no decision and nobody's name on it.
    main = p.locator("main")
    expect(main.get_by_role("heading", name="Your verdict")).to_be_visible()
    expect(main.get_by_text("Original decision", exact=True)).to_have_count(0)
    assert not re.search(rf"\b{analyst}\b", main.inner_text())
    assert axe_violations(p) == []
    shot(p, "qa-sample", request)

    note = "Check the policy's definition before citing it."
    p.get_by_label("Policy", exact=True).select_option(other)
    p.get_by_label("Yes, it violates the policy").check()
    p.get_by_label("Rationale").fill("A different policy fits better.")
    p.get_by_label("Note to the analyst (optional)").fill(note)
    p.get_by_role("button", name="Submit review").click()
    outcome = p.get_by_role("region", name="Outcome")
    expect(outcome).to_contain_text("Original decision")
    expect(outcome).to_contain_text(analyst)
    expect(outcome).to_contain_text("Disagree")
    assert axe_violations(p) == []

    # The analyst reads the note and disputes it.
    p.context.clear_cookies()
    sign_in(p, analyst, "/qa/feedback")
    item = p.locator("article", has_text=note)
    expect(item).to_be_visible()
    assert axe_violations(p) == []
    shot(p, "qa-feedback", request)
    item.get_by_label("Why the decision was right (to dispute)").fill(
        "My policy was the right one."
    )
    item.get_by_role("button", name=re.compile("^Dispute")).click()
    expect(p.locator("article", has_text=note)).to_contain_text("disputed")

    # The lead sees the dispute and overturns the review.
    p.context.clear_cookies()
    sign_in(p, "lena", "/qa/feedback")
    dispute = p.locator("article", has_text="My policy was the right one.")
    expect(dispute).to_contain_text(f"{analyst} disputes quinn")
    assert axe_violations(p) == []
    dispute.get_by_label("Note with your ruling").fill("The analyst's policy fits.")
    dispute.get_by_role("button", name=re.compile("^Overturn it")).click()
    expect(p.get_by_text("No dispute is waiting.")).to_be_visible()

    p.goto("/qa/agreement")
    table = p.get_by_role("region", name="Agreement by analyst")
    expect(table.get_by_role("row", name=re.compile(rf"^{analyst}\b"))).to_be_visible()
    assert axe_violations(p) == []
    shot(p, "qa-agreement", request)


@pytest.mark.parametrize("where", ["/qa", "/qa/agreement"], ids=["queue", "agreement"])
def test_qa_pages_read_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, where: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    reviewed(runtime)
    sign_in(p, "lena", where)
    expect(p.locator("h1")).to_be_visible()
    expect(p.locator("table")).to_be_visible()
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-" + where.strip("/").replace("/", "-"), request)
