"""Legal requests in a real headless Chromium, on the demo day: Lee (legal) sees the requests
still to answer soonest due first, opens one (requester, basis, scope, its clock, the package),
records the final disclosure through the form and sees the clock met. Vic (viewer) and Sam
(analyst) have no link, are refused the pages, and the request's case shows them none of its
contents. axe-core finds no WCAG 2.2 AA violation on either page at 1280 px and at 390 px,
where nothing scrolls the page sideways."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.compliance.requests import flows
from watchfloor.compliance.requests.schemas import RequestIn
from watchfloor.compliance.requests.service import request_key
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
BASIS = "Grand jury subpoena 26-GJ-0099, Northern District"


def take_in(runtime: Runtime) -> list[tuple[int, str | None]]:
    """A subpoena due in five days and a GDPR access request (due in a month); (id, case)."""
    now = runtime.clock.now()
    bodies = [
        {
            "external_id": "BR-SP-1",
            "request_type": "us_subpoena",
            "requester": {
                "authority": "Example County Sheriff",
                "person": "Det. A. Jones",
                "email": "a.jones@sheriff.example.gov",
                "country": "US",
            },
            "legal_basis": BASIS,
            "scope": {"accounts": ["acct-br-1"], "data_types": ["subscriber", "ip_logs"]},
            "subject": {"kind": "account", "id": "acct-br-1"},
            "received_at": (now - timedelta(hours=3)).isoformat(),
            "response_due_at": (now + timedelta(days=5)).isoformat(),
        },
        {
            "external_id": "BR-GDPR-1",
            "request_type": "gdpr_access",
            "requester": {"authority": "Jane Roe", "email": "jane@example.org", "country": "IE"},
            "legal_basis": "GDPR Art. 15",
            "subject": {"kind": "account", "id": "acct-br-2"},
        },
    ]
    made = []
    with session_scope(runtime.sessions) as session:
        for body in bodies:
            row, _ = flows.create(
                session,
                runtime.clock,
                config=runtime.config,
                link_window=runtime.settings.link_window,
                body=RequestIn.model_validate(body),
                actor="system:test",
            )
            made.append((row.id, row.case_id))
    return made


def test_legal_answers_a_request_and_others_see_nothing_of_it(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    (sp_id, sp_case), (gdpr_id, _) = take_in(runtime)
    sp_key = request_key(sp_id)

    sign_in(p, "lee", "/legal/requests")
    expect(p.get_by_role("heading", level=1)).to_have_text("Legal requests")
    expect(p.get_by_role("link", name="Legal requests")).to_have_attribute("aria-current", "page")
    rows = p.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(sp_key)
    expect(rows.nth(0)).to_contain_text("us_subpoena")
    expect(rows.nth(1)).to_contain_text(request_key(gdpr_id))
    assert axe_violations(p) == []
    shot(p, "legal-requests", request)

    rows.nth(0).get_by_role("link", name=sp_key).click()
    p.wait_for_url(f"**/legal/requests/{sp_id}")
    expect(p.get_by_role("heading", level=1)).to_contain_text(sp_key)
    expect(p.locator("main")).to_contain_text(BASIS)
    expect(p.locator("main")).to_contain_text("subscriber, ip_logs")
    clock_row = p.get_by_role("region", name="Obligations of this request").locator("tbody tr")
    expect(clock_row).to_contain_text("Respond to a subpoena")
    expect(clock_row).to_contain_text("Running")
    assert axe_violations(p) == []

    p.get_by_label("Kind").select_option("disclosure")
    p.get_by_label("Data categories disclosed (comma-separated)").fill("subscriber")
    p.get_by_label("Identifiers disclosed (comma-separated)").fill("acct-br-1")
    p.get_by_label("Delivered by").select_option("portal")
    p.get_by_label("This completes the response").check()
    p.get_by_label("Mark the request's deadlines met (with a final item)").check()
    p.get_by_role("button", name="Record").click()
    p.wait_for_url(re.compile(rf".*/legal/requests/{sp_id}#package$"))
    package = p.get_by_role("region", name="Response package").locator("tbody tr")
    expect(package).to_have_count(1)
    expect(package).to_contain_text("disclosure (final)")
    expect(clock_row).to_contain_text("Met")
    expect(p.locator("main")).to_contain_text("Answered")
    assert axe_violations(p) == []
    shot(p, "legal-request", request)

    # A disclosure without its categories comes back with what to fix, and records nothing.
    p.get_by_label("Kind").select_option("disclosure")
    p.get_by_role("button", name="Record").click()
    expect(p.get_by_role("alert")).to_contain_text("data_categories")
    expect(package).to_have_count(1)

    for who in ("vic", "sam"):
        p.context.clear_cookies()
        sign_in(p, who, "/floor")
        expect(p.get_by_role("link", name="Legal requests")).to_have_count(0)
        refused = p.goto(f"/legal/requests/{sp_id}")
        assert refused is not None and refused.status == 403
        expect(p.locator("main")).not_to_contain_text(BASIS)
        case = p.goto(f"/cases/CASE-{sp_case:06d}")
        assert case is not None and case.status == 200
        main = p.locator("main")
        expect(main).to_contain_text(f"Legal request {sp_key}")
        for secret in (BASIS, "Det. A. Jones", "sheriff.example.gov", "ip_logs"):
            expect(main).not_to_contain_text(secret)


def test_both_pages_read_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    (sp_id, _), _ = take_in(runtime)
    sign_in(p, "lee", "/legal/requests")
    expect(p.locator("tbody tr")).to_have_count(2)
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-legal-requests", request)
    p.goto(f"/legal/requests/{sp_id}")
    expect(p.locator("main")).to_contain_text(BASIS)
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-legal-request", request)
