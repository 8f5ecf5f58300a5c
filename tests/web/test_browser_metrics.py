"""The metrics page in a real headless Chromium, on the demo day after the worker's rollup: a
lead reads the figures, narrows them to a harm area, and sees how fresh they are; axe-core finds
no WCAG 2.2 AA violation at desk width, nor at a phone's 390 px, where the page does not scroll
sideways."""

from __future__ import annotations

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD
from watchfloor.worker import JOBS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.parametrize("width", ["page", "phone"])
def test_a_lead_reads_the_metrics_with_no_accessibility_violation(
    live: str, runtime: Runtime, width: str, request: pytest.FixtureRequest
) -> None:
    next(j for j in JOBS if j.name == "insights-rollup").run(runtime)
    expect = playwright_api.expect
    p = request.getfixturevalue(width)  # the browser at 1280 px, or at 390 px
    p.goto("/login?next=/insights/metrics")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill("lena")  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url("**/insights/metrics")  # type: ignore[attr-defined]
    expect(p.locator("h1")).to_have_text("Metrics")
    expect(p.locator("#freshness")).to_contain_text("Figures complete up to")
    for section in ("Volume", "Times and SLA", "Backlog", "Decisions and actions", "Rates"):
        expect(p.get_by_role("heading", name=section, exact=False).first).to_be_visible()
    assert axe_violations(p) == []
    if width == "phone":
        assert p.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    p.get_by_label("Harm area").select_option("fraud_scams")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Show").click()  # type: ignore[attr-defined]
    p.wait_for_url("**harm_area=fraud_scams**")  # type: ignore[attr-defined]
    expect(p.locator("caption", has_text="Opened by harm area").locator("..")).to_contain_text(
        "fraud_scams"
    )
    assert axe_violations(p) == []
    if width == "phone":
        assert p.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    shot(p, f"metrics-{width}", request)
