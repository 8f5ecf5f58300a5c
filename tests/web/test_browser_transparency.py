"""The DSA transparency report page (/legal/transparency) in a real headless Chromium, on the
demo day: Lee (legal) picks the period, reads every table as text with its caption, and the
counts are those the service computes; analysts have no link to it. axe-core finds no WCAG 2.2
AA violation at 1280 px and at 390 px, where the wide tables scroll inside their own region and
not the page."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.compliance.transparency import report, service
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def half_year(runtime: Runtime) -> tuple[str, str]:
    now = runtime.clock.now().astimezone(UTC)
    if now.month <= 6:
        return f"{now.year}-01-01", f"{now.year}-07-01"
    return f"{now.year}-07-01", f"{now.year + 1}-01-01"


def expected(runtime: Runtime, start: str, end: str) -> report.TransparencyReport:
    since, until = report.parse_period(start, end)
    with session_scope(runtime.sessions) as session:
        return service.transparency_report(
            session, runtime.clock, mapping=runtime.config.transparency, start=since, end=until
        )


def test_legal_reads_the_report_of_the_half_year(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    start, end = half_year(runtime)
    found = expected(runtime, start, end)
    decisions = dict((r[0], r[2]) for r in found.table("summary").rows)["decisions"]
    assert isinstance(decisions, int) and decisions > 0  # the demo day decided cases

    sign_in(p, "lee", "/legal/transparency")
    expect(p.get_by_role("heading", level=1)).to_have_text("DSA transparency report")
    expect(p.get_by_role("link", name="Transparency")).to_have_attribute("aria-current", "page")
    expect(p.get_by_label("From (UTC, included)")).to_have_value(start)
    expect(p.get_by_label("To (UTC, excluded)")).to_have_value(end)
    expect(p.locator("table")).to_have_count(len(found.tables))
    summary = p.locator("#table-summary")
    expect(summary.get_by_role("row", name=re.compile("^decisions "))).to_contain_text(
        str(decisions)
    )
    expect(p.locator("#table-notices caption")).to_have_text(found.table("notices").caption)
    link = p.get_by_role("link", name="Download this table as CSV (notices)")
    expect(link).to_have_attribute("href", f"/legal/transparency/notices.csv?from={start}&to={end}")
    assert axe_violations(p) == []
    shot(p, "transparency", request)

    # Another period: the form asks again and an empty period shows zeros, not an error.
    p.get_by_label("From (UTC, included)").fill("2020-01-01")
    p.get_by_label("To (UTC, excluded)").fill("2020-07-01")
    p.get_by_role("button", name="Show").click()
    p.wait_for_url("**/legal/transparency?from=2020-01-01&to=2020-07-01")
    expect(summary.get_by_role("row", name=re.compile("^decisions "))).to_contain_text("0")

    p.context.clear_cookies()
    sign_in(p, "sam", "/floor")
    expect(p.get_by_role("link", name="Transparency")).to_have_count(0)


def test_the_report_reads_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    sign_in(p, "lee", "/legal/transparency")
    expect(p.locator("#table-actions")).to_be_attached()
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-transparency", request)
