"""Wellness in a real headless Chromium: an analyst turns the preview blur off and greyscale off,
reveals an image and sees it in colour (and can make it grey); the case page shows today's
exposure; a lead sets a budget on /exposure, a bad one refused on the page. axe-core finds no
WCAG 2.2 AA violation at desk width or at 390 px, and nothing scrolls sideways on the phone."""

from __future__ import annotations

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def sign_in(p: object, username: str, then: str) -> None:
    p.goto(f"/login?next={then}")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"**{then}")  # type: ignore[attr-defined]


def test_an_analyst_chooses_no_blur_and_colour_and_sees_the_revealed_image_in_colour(
    page: object, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    sign_in(p, "nia", "/preferences")
    expect(p.get_by_role("link", name="Preferences")).to_have_attribute("aria-current", "page")
    # The safe defaults until she chooses: a strong blur, images start grey.
    expect(p.get_by_label("Strong", exact=True)).to_be_checked()
    expect(p.get_by_label("Start images in greyscale")).to_be_checked()
    assert axe_violations(p) == []

    # A zone that does not exist is refused on the page, as typed, and nothing is saved.
    p.get_by_label("Time zone").fill("Atlantic/Atlantis")
    p.get_by_label("None", exact=True).check()
    p.get_by_role("button", name="Save preferences").click()
    expect(p.get_by_role("alert")).to_contain_text("unknown time zone 'Atlantic/Atlantis'")
    expect(p.get_by_role("alert")).to_be_focused()
    expect(p.get_by_label("Time zone")).to_have_value("Atlantic/Atlantis")
    assert axe_violations(p) == []

    p.get_by_label("Time zone").fill("Atlantic/Reykjavik")
    p.get_by_label("None", exact=True).check()
    p.get_by_label("Start images in greyscale").uncheck()
    p.get_by_role("button", name="Save preferences").click()
    expect(p.get_by_role("status")).to_have_text("Your preferences are saved.")
    expect(p.get_by_label("None", exact=True)).to_be_checked()
    expect(p.get_by_label("Start images in greyscale")).not_to_be_checked()

    # Her next case (the Icelandic one, graphic): today's exposure is on the case page.
    p.keyboard.press("n")
    p.wait_for_url("**/cases/CASE-*")
    line = p.locator("#exposure-line")
    expect(line).to_contain_text("Exposure today: 1 of 20")  # the graphic case itself
    preview = p.locator("img.preview")
    expect(preview).to_be_visible()
    assert preview.get_attribute("src").endswith("?blur=0")
    assert axe_violations(p) == []

    p.get_by_role("button", name="Reveal evidence").first.click()
    revealed = p.locator("figure.revealed img")
    expect(revealed).to_be_visible()
    assert revealed.evaluate("img => getComputedStyle(img).filter") == "none"  # in colour
    expect(line).to_contain_text("Exposure today: 2 of 20")  # the reveal counted, in place
    p.get_by_role("button", name="Show in greyscale").click()
    assert revealed.evaluate("img => getComputedStyle(img).filter") == "grayscale(1)"
    expect(p.get_by_role("button", name="Show in colour")).to_be_visible()
    assert axe_violations(p) == []
    shot(p, "wellness-case", request)


def test_a_lead_sets_a_daily_budget_on_the_exposure_page(
    page: object, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    sign_in(p, "lena", "/exposure")
    field = p.get_by_label("Daily budget for Nia Jónsdóttir")
    expect(field).to_have_value("20")
    assert axe_violations(p) == []

    field.fill("-4")
    p.get_by_role("button", name="Set budget for Nia Jónsdóttir").click()
    expect(p.get_by_role("alert")).to_contain_text("cannot be negative")
    expect(p.get_by_label("Daily budget for Nia Jónsdóttir")).to_have_value("-4")
    assert axe_violations(p) == []

    p.get_by_label("Daily budget for Nia Jónsdóttir").fill("5")
    p.get_by_role("button", name="Set budget for Nia Jónsdóttir").click()
    expect(p.get_by_role("status")).to_have_text("Nia Jónsdóttir's daily budget is now 5.")
    expect(p.get_by_label("Daily budget for Nia Jónsdóttir")).to_have_value("5")
    assert axe_violations(p) == []
    shot(p, "wellness-exposure", request)


@pytest.mark.parametrize(
    ("username", "path"),
    [("nia", "/preferences"), ("lena", "/exposure"), ("nia", "/exposure")],
    ids=["analyst-preferences", "lead-exposure", "analyst-exposure"],
)
def test_wellness_pages_at_phone_width(
    phone: object, request: pytest.FixtureRequest, username: str, path: str
) -> None:
    p = phone  # type: ignore[assignment]
    sign_in(p, username, path)
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    if path == "/exposure" and username == "lena":
        # The team table scrolls inside its own labelled region; its budget fields are reachable.
        region = p.get_by_role("region", name="The team's exposure today (scrolls sideways)")
        playwright_api.expect(region).to_be_visible()
        field = p.get_by_label("Daily budget for Nia Jónsdóttir")
        field.scroll_into_view_if_needed()
        playwright_api.expect(field).to_be_in_viewport()
    shot(p, f"wellness-phone-{username}{path.replace('/', '-')}", request)
