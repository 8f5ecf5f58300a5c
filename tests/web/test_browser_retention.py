"""The retention page (/legal/retention) in a real headless Chromium, on the demo day: after the
daily job has run, Lee (legal) sees its run and the periods in force with their reasons; an
analyst has no link to it. axe-core finds no WCAG 2.2 AA violation at 1280 px and at 390 px,
where the tables do not scroll the page sideways."""

from __future__ import annotations

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def run_retention(runtime: Runtime) -> None:
    next(j for j in JOBS if j.name == "retention").run(runtime)


def test_legal_sees_the_runs_and_the_periods(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    run_retention(runtime)
    day = runtime.clock.now().date().isoformat()

    sign_in(p, "lee", "/legal/retention")
    expect(p.get_by_role("heading", level=1)).to_have_text("Retention")
    expect(p.get_by_role("link", name="Retention")).to_have_attribute("aria-current", "page")
    runs = p.get_by_role("region", name="Latest runs").locator("tbody tr")
    expect(runs).to_have_count(1)
    expect(runs.nth(0)).to_contain_text(day)
    periods = p.get_by_role("region", name="Periods in force").locator("tbody tr")
    expect(periods).to_have_count(11)
    expect(periods.filter(has_text="Audit log")).to_contain_text("keep")
    assert axe_violations(p) == []
    shot(p, "retention", request)

    p.context.clear_cookies()
    sign_in(p, "sam", "/floor")
    expect(p.get_by_role("link", name="Retention")).to_have_count(0)


def test_the_retention_page_reads_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    p = phone  # type: ignore[assignment]
    run_retention(runtime)
    sign_in(p, "lee", "/legal/retention")
    playwright_api.expect(p.locator("tbody tr").first).to_be_visible()
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-retention", request)
