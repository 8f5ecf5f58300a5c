"""Appeals in a real headless Chromium, on the demo day: a user's appeal against a decision is
lodged, Lee (legal, who did not take the decision) finds it on /legal/appeals with its clock,
opens it and overturns it with the decide form; the page then says, in words, that the
restriction was reversed and shows the answer the appellant was sent. axe-core finds no
WCAG 2.2 AA violation at 1280 px and at 390 px, where nothing scrolls the page sideways."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.auth import service as users
from watchfloor.cases import decided
from watchfloor.cases import service as cases
from watchfloor.compliance.appeals import flows
from watchfloor.compliance.appeals.schemas import AppealIn
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def appealed(runtime: Runtime) -> tuple[int, str]:
    """An appeal against a demo decision that Lee did not take: its id and the case key."""
    with session_scope(runtime.sessions) as session:
        found = next(
            d
            for d in decided.after(session, after_id=0, limit=500)
            if d.decided_by != "lee"
            and not d.golden
            and cases.get_or_raise(session, key=d.case_key).status in ("resolved", "closed")
        )
        row, _ = flows.lodge(
            session,
            runtime.clock,
            key=found.case_key,
            body=AppealIn(
                decision_id=found.decision_id,
                appellant="affected_user",
                appellant_id="acct-demo",
                reasons="I was quoting the message to report it, not threatening anyone.",
            ),
            actor=users.get_or_raise(session, username="sam"),
            obligations=runtime.config.obligations,
        )
        return row.id, found.case_key


def test_legal_finds_an_open_appeal_and_overturns_it(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    appeal_id, key = appealed(runtime)

    sign_in(p, "lee", "/legal/appeals")
    expect(p.get_by_role("heading", level=1)).to_have_text("Appeals")
    expect(p.get_by_role("link", name="Appeals", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    rows = p.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text(key)
    expect(rows.nth(0)).to_contain_text(re.compile(r"\d+ d \d+ h left|\d+ h \d+ min left"))
    assert axe_violations(p) == []
    shot(p, "appeals", request)

    rows.nth(0).get_by_role("link", name=f"Appeal {appeal_id}").click()
    p.wait_for_url(f"**/legal/appeals/{appeal_id}")
    expect(p.locator("#appeal-state")).to_contain_text("Open")
    assert axe_violations(p) == []
    p.get_by_label("Overturned: the decision is reversed").check()
    p.get_by_label("Reasons, as the appellant will read them").fill(
        "You quoted the threat to report it; quoting to report is allowed."
    )
    p.get_by_label(re.compile("^What changes")).fill("Your post is restored.")
    p.get_by_role("button", name="Record the decision").click()
    p.wait_for_url(f"**/legal/appeals/{appeal_id}")
    expect(p.locator("#appeal-state")).to_contain_text("Overturned: the decision is reversed")
    expect(p.get_by_text("quoting to report is allowed").first).to_be_visible()
    expect(p.locator("#case-appeals ~ ul")).to_contain_text("overturned")
    assert axe_violations(p) == []
    shot(p, "appeal-decided", request)

    p.goto("/legal/appeals")
    expect(p.locator("tbody tr")).to_have_count(0)
    p.goto("/legal/appeals?show=decided")
    expect(p.locator("tbody tr")).to_have_count(1)

    p.context.clear_cookies()
    sign_in(p, "sam", "/floor")
    expect(p.get_by_role("link", name="Appeals", exact=True)).to_have_count(0)


def test_appeals_read_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    p = phone  # type: ignore[assignment]
    appeal_id, _ = appealed(runtime)
    sign_in(p, "lee", "/legal/appeals")
    for target in ("/legal/appeals", f"/legal/appeals/{appeal_id}"):
        p.goto(target)
        assert axe_violations(p) == []
        assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-appeal", request)
