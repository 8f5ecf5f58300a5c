"""The legal view (/legal) in a real headless Chromium, on the demo day: Lee (legal) sees every
open legal clock soonest due first, with the breached and warning ones saying so in words, due
times in UTC and the law's citation; analysts have no link to it. axe-core finds no WCAG 2.2 AA
violation at 1280 px and at 390 px, where the table does not scroll the page sideways."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.cases import service as cases
from watchfloor.compliance.clocks import service as obligations
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

# (obligation, how long ago its event was): 1 h clock two hours ago (breached), 72 h clock
# sixty hours ago (in its last day: warning), a month from now (running).
STARTED = (
    ("dsa_18_threat_to_life", timedelta(hours=2)),
    ("gdpr_33_breach", timedelta(hours=60)),
    ("gdpr_12_3_request", timedelta(0)),
)


def carry_obligations(runtime: Runtime) -> list[str]:
    """Three demo cases given one obligation each; their keys in the order of STARTED."""
    now = runtime.clock.now()
    with session_scope(runtime.sessions) as session:
        found = cases.list_cases(session, where=cases.CaseFilter(), limit=len(STARTED))
        for case, (obligation, ago) in zip(found, STARTED, strict=True):
            obligations.start(
                session,
                runtime.clock,
                runtime.config.obligations,
                case_id=case.id,
                obligation_id=obligation,
                started_at=now - ago,
                actor="system:test",
            )
        return [c.key for c in found]


def test_legal_sees_every_open_clock_soonest_first(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    keys = carry_obligations(runtime)

    sign_in(p, "lee", "/legal")
    expect(p.get_by_role("heading", level=1)).to_have_text("Legal clocks")
    expect(p.get_by_role("link", name="Legal clocks")).to_have_attribute("aria-current", "page")
    rows = p.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Breached")
    expect(rows.nth(0)).to_contain_text("overdue by 1 h 00 min")
    expect(rows.nth(0)).to_contain_text("Regulation (EU) 2022/2065 (DSA) Art. 18")
    expect(rows.nth(1)).to_contain_text("Warning")
    expect(rows.nth(1)).to_contain_text("12 h 00 min left")
    expect(rows.nth(2)).to_contain_text("Running")
    expect(rows.nth(0)).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"))
    for row, key in zip(range(3), keys, strict=True):
        expect(rows.nth(row).get_by_role("link", name=key)).to_have_attribute(
            "href", f"/cases/{key}"
        )
    expect(p.locator("#legal-summary")).to_contain_text("1 breached")
    assert axe_violations(p) == []
    shot(p, "legal", request)

    p.get_by_role("link", name=re.compile(r"^Warning")).click()
    p.wait_for_url("**/legal?show=warning")
    expect(p.locator("tbody tr")).to_have_count(1)
    expect(p.locator("tbody tr")).to_contain_text(keys[1])

    p.context.clear_cookies()
    sign_in(p, "sam", "/floor")
    expect(p.get_by_role("link", name="Legal clocks")).to_have_count(0)


def test_the_legal_view_reads_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    carry_obligations(runtime)
    sign_in(p, "lee", "/legal")
    expect(p.locator("tbody tr")).to_have_count(3)
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-legal", request)
