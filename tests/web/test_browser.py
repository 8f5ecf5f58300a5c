"""The console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
sign in, see the floor, take the next case, reveal evidence and see it counted, decide, see the
audit entry, sign out; a form posted without its CSRF token is refused; axe-core finds no WCAG
2.2 AA violation. Screenshots of the floor and of a case (demo data) go to artifacts/."""

from __future__ import annotations

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def test_an_analyst_works_a_case_from_sign_in_to_sign_out(
    page: object, live: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    p.goto("/floor")
    expect(p).to_have_url(f"{live}/login?next=%2Ffloor")
    assert axe_violations(p) == []
    p.get_by_label("Username").fill("nia")
    p.get_by_label("Password").fill(DEMO_PASSWORD)
    p.get_by_role("button", name="Sign in").click()

    # The floor: every queue, counts by priority, live countdowns.
    expect(p.get_by_role("heading", name="Floor")).to_be_visible()
    expect(p.get_by_role("row", name="Life safety (P0)")).to_be_visible()
    # The demo leaves a backlog: some deadline has passed and its countdown is red.
    overdue = p.locator("time[data-countdown].breached").first
    expect(overdue).to_be_visible()
    assert overdue.text_content().startswith("\u2212")
    assert overdue.evaluate("el => getComputedStyle(el).color") == "rgb(155, 0, 18)"
    assert axe_violations(p) == []

    # Next case, from the keyboard.
    p.keyboard.press("n")
    p.wait_for_url("**/cases/CASE-*")
    key = p.url.rsplit("/", 1)[1].split("#")[0]
    expect(p.locator("h1#case")).to_be_focused()  # the keyboard starts on the case
    expect(p.get_by_text("assigned", exact=True)).to_be_visible()
    preview = p.locator("img.preview")
    expect(preview).to_be_visible()
    assert "/preview" in preview.get_attribute("src")
    assert p.get_by_text("graphic description of injuries").count() == 0
    assert axe_violations(p) == []

    # Reveal the image: it is swapped in place, in greyscale, and today's exposure goes up.
    p.get_by_role("button", name="Reveal evidence").first.click()
    revealed = p.locator("figure.revealed img")
    expect(revealed).to_be_visible()
    assert "/file" in revealed.get_attribute("src")
    assert revealed.evaluate("img => getComputedStyle(img).filter") == "grayscale(1)"
    p.goto("/my")
    expect(p.locator("#exposure-line")).to_contain_text("Exposure today: 2")  # the case + the item
    p.goto(f"/cases/{key}")
    # `r` reveals the next hidden item: the graphic text.
    p.keyboard.press("r")
    expect(p.get_by_text("graphic description of injuries")).to_be_visible()

    # The shortcuts list.
    p.keyboard.press("?")
    expect(p.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    p.keyboard.press("Escape")

    # Decide, with a reply template.
    p.keyboard.press("d")
    expect(p.get_by_label("Policy")).to_be_focused()
    p.get_by_label("Policy").select_option("VT-THREAT")
    p.get_by_label("Violation", exact=True).check()
    p.get_by_label("suspend account").check()
    p.get_by_label("Rationale").fill("Explicit threat to kill more people, with a video still.")
    p.get_by_label("Message template").select_option("reporter-actioned")
    expect(p.get_by_label("notify reporter")).to_be_checked()
    # A message without its action is refused, and the keyboard lands on what to fix.
    p.get_by_label("notify reporter").uncheck()
    p.get_by_role("button", name="Record decision").click()
    expect(p.locator(".problem")).to_be_focused()
    expect(p.locator(".problem")).to_contain_text("the message goes with the action")
    p.get_by_label("notify reporter").check()
    p.get_by_role("button", name="Record decision").click()
    expect(p.get_by_text("Violation of VT-THREAT by nia")).to_be_visible()
    expect(p.locator("ol.trail")).to_contain_text("case.resolve")
    expect(p.locator("ol.trail")).to_contain_text("evidence.revealed")

    # A form posted without its CSRF token is refused.
    refused = p.request.post(f"{live}/next", form={"queue": ""})
    assert refused.status == 403

    p.get_by_role("button", name="Sign out").click()
    expect(p).to_have_url(f"{live}/login")
    p.goto("/my")
    expect(p.get_by_role("button", name="Sign in")).to_be_visible()


def test_screenshots_of_the_floor_and_a_case_from_demo_data(
    page: object, live: str, request: pytest.FixtureRequest
) -> None:
    p = page  # type: ignore[assignment]
    p.goto("/login")
    p.get_by_label("Username").fill("lena")
    p.get_by_label("Password").fill(DEMO_PASSWORD)
    p.get_by_role("button", name="Sign in").click()
    p.wait_for_url("**/floor")
    shot(p, "floor", request)
    for path in ("/my", "/search?q=giveaway", "/exposure", "/queues/hate-harassment"):
        p.goto(path)
        assert axe_violations(p) == [], path
    # The demo's one case that is there whatever the hour the test runs (sim/demo.py
    # nobody_reads_it): a Swahili threat nobody on the team reads, found by its subject's name.
    p.goto("/search?q=mwalimu_mkali")
    p.locator("table a").first.click()
    p.wait_for_url("**/cases/CASE-*")
    assert axe_violations(p) == []
    shot(p, "case", request)
    # `e` opens the escalation form (a lead may escalate without holding the case): a reason
    # is required, then the audit trail shows it.
    expect = playwright_api.expect
    p.keyboard.press("e")
    reason = p.locator("#escalate-note")
    expect(reason).to_be_focused()
    assert axe_violations(p) == []
    p.get_by_role("button", name="Escalate with this reason").click()
    expect(p.locator("h1 .status")).not_to_have_text("escalated")  # the browser refuses it empty
    reason.fill("Needs legal: the video may be evidence in an open police case")
    p.get_by_role("button", name="Escalate with this reason").click()
    expect(p.locator("h1 .status")).to_have_text("escalated")
    expect(p.locator("ol.trail")).to_contain_text("case.escalate by user:lena")
    # An internal note, for whoever works the case next: on the page and in the trail.
    p.get_by_label("Add a note (internal: never sent outside the team)").fill(
        "Police liaison asked us to keep the upload; do not remove before Friday"
    )
    p.get_by_role("button", name="Add note").click()
    expect(p.locator("ol.notes")).to_contain_text("lena: Police liaison asked us to keep")
    expect(p.locator("ol.trail")).to_contain_text("case.note by user:lena")
    assert axe_violations(p) == []
    # The lead hands the case to the least loaded analyst (first in the list, with each
    # person's open cases and graphic exposure today), and sees who holds what.
    key = p.locator("h1").inner_text().split()[0]
    chosen = p.locator("#assignee option").first
    who = chosen.get_attribute("value")
    assert "open," in chosen.inner_text() and "graphic today" in chosen.inner_text()
    p.get_by_role("button", name="Assign", exact=True).click()
    expect(p.locator("h1 .status")).to_have_text("assigned")
    expect(p.locator(".facts")).to_contain_text(f"Assignee{who}")
    p.goto("/exposure")
    row = p.locator("tr", has=p.locator(f"text=({who})"))
    expect(row).to_contain_text(key)
    assert axe_violations(p) == []
