"""Statements of reasons in a real headless Chromium, on the demo day: after the worker's
statements-of-reasons job, Lee (legal) opens a decided case and follows its link to the preview:
each statement's state in words, the rules it breaks (none here), what the user receives and the
JSON the Transparency Database receives. axe-core finds no WCAG 2.2 AA violation at 1280 px and
at 390 px, where nothing scrolls the page sideways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.cases.schemas import case_key
from watchfloor.compliance.statements.models import StatementOfReasons
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def statement_case(runtime: Runtime) -> str:
    """Runs the job over the demo day's decisions; the key of a case it built a statement for."""
    job = next(j for j in JOBS if j.name == "statements-of-reasons")
    while job.run(runtime):
        pass
    with session_scope(runtime.sessions) as session:
        case_id = session.scalars(
            select(StatementOfReasons.case_id).order_by(StatementOfReasons.id).limit(1)
        ).first()
    assert case_id is not None, "the demo day has no restricting decision in the EEA"
    return case_key(case_id)


def test_legal_reads_a_cases_statement_of_reasons(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    key = statement_case(runtime)

    sign_in(p, "lee", f"/cases/{key}")
    p.get_by_role("link", name="Statements of reasons (DSA)", exact=False).click()
    p.wait_for_url(f"**/cases/{key}/statements")
    expect(p.get_by_role("heading", level=1)).to_contain_text("Statements of reasons")
    section = p.locator("section.card").first
    # No token is configured in tests: a valid statement waits to be sent.
    expect(section).to_contain_text("Waiting to be sent")
    expect(section).to_contain_text("It passes every field rule of the Database.")
    expect(section.locator("pre").first).to_contain_text("If you disagree")
    expect(section.locator("details pre")).to_be_hidden()
    section.locator("summary").click()
    expect(section.locator("details pre")).to_contain_text('"puid": "wf-')
    assert axe_violations(p) == []
    shot(p, "statements", request)

    # An analyst has no statements link on the case, and the page is refused.
    p.context.clear_cookies()
    sign_in(p, "sam", f"/cases/{key}")
    expect(p.locator("#statements")).to_have_count(0)


def test_the_statement_preview_reads_on_a_phone(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    key = statement_case(runtime)
    sign_in(p, "lee", f"/cases/{key}/statements")
    expect(p.locator("section.card").first).to_contain_text("What the user receives")
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, "phone-statements", request)
