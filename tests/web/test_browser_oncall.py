"""The on-call console in a real headless Chromium: a lead sees who is on call, makes and
removes an override (a refused one first), acknowledges and resolves a page, and records the
hand-off; axe-core finds no WCAG 2.2 AA violation on any of these pages nor on the configuration
page, at desk width and at a phone's 390 px, where no page scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.browser import axe_violations, shot
from watchfloor.db import session_scope
from watchfloor.oncall import service as oncall
from watchfloor.oncall.page_notices import page_key
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def open_page(runtime: Runtime, summary: str, severity: str) -> str:
    """A page on the primary schedule, through the paging service; its key."""
    with session_scope(runtime.sessions) as session:
        page = oncall.page(
            session,
            runtime.clock,
            runtime.pager,
            schedule="safety-primary",
            summary=summary,
            severity=severity,
            case_key=None,
            dedup_key=f"browser:{summary}",
            actor="system:test",
        )
        return page_key(page)


def sign_in(p: object, username: str, target: str) -> None:
    p.goto(f"/login?next={target}")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"**{target}")  # type: ignore[attr-defined]


def test_a_lead_runs_on_call_from_the_console(
    page: object, live: str, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    key = open_page(runtime, "Browser test: threat to life, nobody has it", "P0")
    sign_in(p, "lena", "/oncall")

    # Who is on call now and next, per schedule.
    expect(p.get_by_role("heading", name="On call", exact=True)).to_be_visible()
    expect(p.get_by_role("link", name="On call", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    primary = p.locator("section.roster", has_text="safety-primary")
    expect(primary.get_by_text("On call now")).to_be_visible()
    expect(primary.get_by_text("Next", exact=True)).to_be_visible()
    assert axe_violations(p) == []
    shot(p, "oncall", request)

    # An override the service refuses comes back with its reason, as typed.
    tomorrow = (runtime.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT")
    form = p.locator("#override-form")
    form.get_by_label("Schedule").select_option("safety-primary")
    form.get_by_label("Person on call").select_option("emea.ben")
    form.get_by_label("Instead of").select_option("lead.mia")
    # Typed in the lead's own time zone, which the labels name.
    form.locator("#ov-start").fill(f"{tomorrow}08:00")
    form.locator("#ov-end").fill(f"{tomorrow}12:00")
    form.get_by_label("Reason").fill("training day")
    form.get_by_role("button", name="Create override").click()
    alert = p.get_by_role("alert")
    expect(alert).to_contain_text("is not on the safety-primary rota")
    expect(p.locator("#ov-reason")).to_have_value("training day")
    expect(p.locator("#ov-replaces")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(p) == []

    # Made properly, it is listed, and removed again.
    p.locator("#override-form").get_by_label("Instead of").select_option("")
    p.locator("#override-form").get_by_role("button", name="Create override").click()
    p.wait_for_url("**/oncall#overrides")
    row = p.get_by_role("region", name="Overrides in force or coming").get_by_role(
        "row", name="emea.ben"
    )
    expect(row).to_contain_text("training day")
    expect(row).to_contain_text("whoever is on call")
    assert axe_violations(p) == []
    row.get_by_role("button", name="Remove").click()
    expect(p.get_by_text("No override is in force or coming.")).to_be_visible()

    # The page: acknowledged, then resolved, as lena.
    p.get_by_role("link", name="Pages to answer").click()
    expect(p.get_by_role("heading", name="Pages", exact=True)).to_be_visible()
    open_rows = p.get_by_role("region", name="Open pages")
    mine = open_rows.get_by_role("row", name=key)
    expect(mine).to_contain_text("triggered")
    assert axe_violations(p) == []
    shot(p, "pages", request)
    p.get_by_role("button", name=f"Acknowledge {key}").click()
    expect(mine).to_contain_text("acknowledged")
    expect(mine).to_contain_text("by lena")
    expect(p.get_by_role("button", name=f"Acknowledge {key}")).to_have_count(0)
    p.get_by_role("button", name=f"Resolve {key}").click()
    expect(open_rows.get_by_role("row", name=key)).to_have_count(0)
    resolved = p.get_by_role("region", name="Recently resolved pages").get_by_role("row", name=key)
    expect(resolved).to_contain_text("lena")
    assert axe_violations(p) == []

    # The hand-off: the brief, and recording it with a note.
    p.get_by_role("link", name="Shift hand-off").click()
    expect(p.get_by_role("heading", name="Shift hand-off")).to_be_visible()
    expect(p.get_by_role("heading", name="Open P0 and P1 cases")).to_be_visible()
    assert axe_violations(p) == []
    shot(p, "handoff", request)
    p.get_by_label("Note for the record").fill("Quiet night; the P0 page was resolved by lena.")
    p.get_by_role("button", name="Record hand-off").click()
    expect(p.locator("#recorded")).to_have_text("lena")
    assert axe_violations(p) == []


@pytest.mark.parametrize("path", ["/oncall", "/pages", "/handoff", "/admin"])
def test_each_page_reads_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, path: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    open_page(runtime, "Phone test: a long summary of a page about fraud on payouts", "P1")
    with session_scope(runtime.sessions) as session:
        start = runtime.clock.now() + timedelta(hours=2)
        oncall.create_override(
            session,
            runtime.clock,
            runtime.config.oncall,
            schedule="safety-secondary",
            user="head.of.safety",
            replaces="lead.mia",
            start=start,
            end=start + timedelta(hours=4),
            reason="cover",
            actor="system:test",
        )
    sign_in(p, "admin", path)
    expect(p.locator("h1")).to_be_visible()
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, f"phone{path.replace('/', '-')}", request)


def test_the_configuration_page_has_no_axe_violation_at_desk_width(page: object, live: str) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    sign_in(p, "admin", "/admin")
    expect(p.get_by_role("heading", name="Escalation policies")).to_be_visible()
    expect(p.get_by_role("region", name="SLA targets")).to_be_visible()
    assert axe_violations(p) == []
