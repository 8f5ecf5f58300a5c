"""The floor, a queue, a case and search in a real Chromium at desk width (1280 px) and at a
phone's (390 px): no WCAG 2.2 AA violation (axe-core), no sideways scroll on the phone; paging a
queue and saving a view by clicking."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


# What sticks out past the right edge, for the failure message.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _sign_in(p: object, username: str = "lena") -> None:
    p.goto("/login")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url("**/floor")  # type: ignore[attr-defined]


def _pages(p: object) -> list[str]:
    """The floor, its busiest queue, a waiting case of it, and a search that pages."""
    html = p.content()  # type: ignore[attr-defined]
    for queue in re.findall(r'href="(/queues/[a-z0-9-]+)"', html):
        p.goto(queue)  # type: ignore[attr-defined]
        cases = re.findall(r'href="(/cases/CASE-\d+)"', p.content())  # type: ignore[attr-defined]
        if cases:
            return ["/floor", queue, cases[0], "/search?status=triaged"]
    raise AssertionError("no queue has a waiting case")


def test_list_pages_at_desk_width(page: object, request: pytest.FixtureRequest) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    _sign_in(p)
    for path in _pages(p):
        p.goto(path)
        assert axe_violations(p) == [], path
    shot(p, "search-desk", request)

    # Page through a search long enough to page (how many the demo leaves in each varies).
    for narrowed in ("status=triaged", "assignee=none", "language=en", "status=resolved"):
        p.goto(f"/search?{narrowed}")
        if p.get_by_role("link", name="Next", exact=True).count():
            break
    else:
        pytest.fail("no demo search has a second page")
    expect(p.get_by_text(re.compile("Showing 1\u201350 of"))).to_be_visible()
    first = p.locator("table.stack tbody th a").first.text_content()
    p.get_by_role("link", name="Next", exact=True).click()
    expect(p.get_by_text(re.compile("Showing 51\u2013"))).to_be_visible()
    assert p.locator("table.stack tbody th a").first.text_content() != first
    p.get_by_label("Sort", exact=True).select_option("oldest")
    p.get_by_role("button", name="Apply").click()
    expect(p).to_have_url(re.compile(r"sort=oldest"))
    assert "page=" not in p.url  # a new order starts on its first page
    p.get_by_label("Save this view as").fill("Oldest first")
    p.get_by_role("button", name="Save view").click()
    saved = p.get_by_role("link", name="Oldest first")
    expect(saved).to_be_visible()
    p.goto("/search")
    p.get_by_role("link", name="Oldest first").click()
    expect(p.get_by_label("Sort", exact=True)).to_have_value("oldest")
    assert narrowed in p.url
    assert axe_violations(p) == []
    p.get_by_role("button", name="Delete saved view Oldest first").click()
    expect(p.get_by_role("link", name="Oldest first")).to_have_count(0)


def test_floor_queue_case_and_search_fit_a_phone(
    phone: object, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    _sign_in(p)
    for path in _pages(p):
        p.goto(path)
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width, p.evaluate(WIDEST))
        assert axe_violations(p) == [], path
        shot(p, "phone-" + path.strip("/").replace("/", "-").split("?")[0], request)
    # The floor shows every column of a queue, labelled, not only the first.
    p.goto("/floor")
    first = p.locator("table.queues tbody tr").first
    for label in ("P0 waiting", "Waiting", "In progress", "Next deadline", "SLA"):
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, label
    # A case's action buttons are within reach.
    p.goto(_pages(p)[2])
    for button in p.locator(".actions button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
