"""The insights page in a real headless Chromium, on the demo day: a lead reads spikes, emerging
clusters and automation opportunities; axe-core finds no WCAG 2.2 AA violation at desk width,
nor at a phone's 390 px, where the page does not scroll sideways."""

from __future__ import annotations

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.parametrize("width", ["page", "phone"])
def test_a_lead_reads_insights_with_no_accessibility_violation(
    live: str, width: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = request.getfixturevalue(width)  # the browser at 1280 px, or at 390 px
    p.goto("/login?next=/insights")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill("lena")  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url("**/insights")  # type: ignore[attr-defined]
    expect(p.locator("h1")).to_be_visible()
    for section in ("Volume spikes", "Emerging clusters", "Automation opportunities"):
        expect(p.get_by_role("heading", name=section, exact=False).first).to_be_visible()
    assert axe_violations(p) == []
    if width == "phone":
        assert p.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    shot(p, f"insights-{width}", request)
