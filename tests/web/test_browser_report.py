"""The weekly report page in a real headless Chromium, on the demo day: a lead picks the week,
reads the findings and the charts, each chart with the table of its numbers; axe-core finds no
WCAG 2.2 AA violation at desk width, nor at a phone's 390 px, where the page does not scroll
sideways (the charts shrink to the screen)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.insights.weekly import week_label
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD
from watchfloor.worker import JOBS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CHARTS = ("chart-volume", "chart-sla", "chart-durations", "chart-decisions")


@pytest.mark.parametrize("width", ["page", "phone"])
def test_a_lead_reads_the_weekly_report_with_no_accessibility_violation(
    live: str, runtime: Runtime, width: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    next(j for j in JOBS if j.name == "insights-rollup").run(runtime)
    # The demo day ends now: the week it is in, so far.
    label = week_label(datetime.now(UTC))
    p = request.getfixturevalue(width)  # the browser at 1280 px, or at 390 px
    p.goto("/login?next=/insights/report")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill("lena")  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url("**/insights/report")  # type: ignore[attr-defined]
    p.get_by_role("textbox", name="Week").fill(label)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Show").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"**/insights/report?week={label}")  # type: ignore[attr-defined]
    expect(p.locator("h1")).to_have_text(f"Weekly report {label}")
    expect(p.get_by_role("heading", name="Findings")).to_be_visible()
    for chart in CHARTS:
        svg = p.locator(f"svg#{chart}")  # type: ignore[attr-defined]
        expect(svg).to_be_visible()
        assert svg.get_attribute("role") == "img"
        # Its numbers as a table, named after the chart, for screen readers and print.
        table = p.locator(f"table#{chart}-table")  # type: ignore[attr-defined]
        expect(table).to_be_attached()
        assert table.locator("tbody tr").count() >= 1
    assert p.get_by_role("img", name="Cases opened and resolved per day").count() == 1  # type: ignore[attr-defined]
    for kind in ("PDF", "CSV", "Parquet"):
        link = p.get_by_role("link", name=kind, exact=True)  # type: ignore[attr-defined]
        assert f"week={label}" in (link.get_attribute("href") or "")
    assert axe_violations(p) == []
    if width == "phone":
        assert p.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    shot(p, f"report-{width}", request)
