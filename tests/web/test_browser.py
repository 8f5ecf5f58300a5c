"""The console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
sign in, see the floor, take the next case, reveal evidence and see it counted, decide, see the
audit entry, sign out; a form posted without its CSRF token is refused; axe-core finds no WCAG
2.2 AA violation. Screenshots of the floor and of a case (demo data) go to artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import IN_CI
from tests.web.console_client import report_with_evidence
from watchfloor.app import create_app
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.db import session_scope
from watchfloor.intake import flows as intake_flows
from watchfloor.intake.schemas import ReportIn
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD, seed_demo

CHROMIUM = Path(os.environ.get("WATCHFLOOR_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if IN_CI:
        pytest.fail(
            f"Chromium is required in CI and is missing at {CHROMIUM}; `make test` installs it"
        )
    pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or run `make test`)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(runtime: Runtime) -> Iterator[str]:
    """The app with a seeded demo day, served by uvicorn on a free local port."""
    _need_chromium()
    seed_demo(runtime, reports=400)
    with session_scope(runtime.sessions) as session:
        nia = auth.create(
            session,
            runtime.clock,
            username="nia",
            role=Role.ANALYST,
            display_name="Nia Jónsdóttir",
            password=DEMO_PASSWORD,
        )
        # Nia reads Icelandic only, so `next` gives her the one Icelandic case below.
        auth.set_profile(
            session,
            runtime.clock,
            user=nia,
            taxonomy=runtime.config.taxonomy,
            changes={"languages": ["is"], "graphic_daily_budget": 20},
            actor="system:test",
        )
        body = {**report_with_evidence(), "language": "is"}
        intake_flows.ingest(
            session,
            runtime.clock,
            config=runtime.config,
            link_window=timedelta(hours=72),
            reports=[ReportIn.model_validate(body)],
            actor="system:test",
        )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(live: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(base_url=live, viewport={"width": 1400, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def _axe(page: object) -> list[str]:
    """WCAG 2.x A/AA violations axe-core finds on the page (its rule ids and where)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}
        },
    )
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _shot(page: object, name: str, request: pytest.FixtureRequest) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    suffix = request.node.callspec.id if hasattr(request.node, "callspec") else "run"
    path = ARTIFACTS / f"{name}-{suffix}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    shutil.copy(path, ARTIFACTS / f"{name}.png")


def test_an_analyst_works_a_case_from_sign_in_to_sign_out(
    page: object, live: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    p.goto("/floor")
    expect(p).to_have_url(f"{live}/login?next=%2Ffloor")
    assert _axe(p) == []
    p.get_by_label("Username").fill("nia")
    p.get_by_label("Password").fill(DEMO_PASSWORD)
    p.get_by_role("button", name="Sign in").click()

    # The floor: every queue, counts by priority, live countdowns.
    expect(p.get_by_role("heading", name="Floor")).to_be_visible()
    expect(p.get_by_role("row", name="Life safety (P0)")).to_be_visible()
    # The demo leaves a backlog: some deadline has passed and its countdown is red.
    overdue = p.locator("time[data-countdown].breached").first
    expect(overdue).to_be_visible()
    assert overdue.text_content().startswith("\u2212")
    assert overdue.evaluate("el => getComputedStyle(el).color") == "rgb(155, 0, 18)"
    assert _axe(p) == []

    # Next case, from the keyboard.
    p.keyboard.press("n")
    p.wait_for_url("**/cases/CASE-*")
    key = p.url.rsplit("/", 1)[1].split("#")[0]
    expect(p.locator("h1#case")).to_be_focused()  # the keyboard starts on the case
    expect(p.get_by_text("assigned", exact=True)).to_be_visible()
    preview = p.locator("img.preview")
    expect(preview).to_be_visible()
    assert "/preview" in preview.get_attribute("src")
    assert p.get_by_text("graphic description of injuries").count() == 0
    assert _axe(p) == []

    # Reveal the image: it is swapped in place, in greyscale, and today's exposure goes up.
    p.get_by_role("button", name="Reveal evidence").first.click()
    revealed = p.locator("figure.revealed img")
    expect(revealed).to_be_visible()
    assert "/file" in revealed.get_attribute("src")
    assert revealed.evaluate("img => getComputedStyle(img).filter") == "grayscale(1)"
    p.goto("/my")
    expect(p.locator("#exposure-line")).to_contain_text("Exposure today: 2")  # the case + the item
    p.goto(f"/cases/{key}")
    # `r` reveals the next hidden item: the graphic text.
    p.keyboard.press("r")
    expect(p.get_by_text("graphic description of injuries")).to_be_visible()

    # The shortcuts list.
    p.keyboard.press("?")
    expect(p.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    p.keyboard.press("Escape")

    # Decide, with a reply template.
    p.keyboard.press("d")
    expect(p.get_by_label("Policy")).to_be_focused()
    p.get_by_label("Policy").select_option("VT-THREAT")
    p.get_by_label("Violation", exact=True).check()
    p.get_by_label("suspend account").check()
    p.get_by_label("Rationale").fill("Explicit threat to kill more people, with a video still.")
    p.get_by_label("Message template").select_option("reporter-actioned")
    expect(p.get_by_label("notify reporter")).to_be_checked()
    # A message without its action is refused, and the keyboard lands on what to fix.
    p.get_by_label("notify reporter").uncheck()
    p.get_by_role("button", name="Record decision").click()
    expect(p.locator(".problem")).to_be_focused()
    expect(p.locator(".problem")).to_contain_text("the message goes with the action")
    p.get_by_label("notify reporter").check()
    p.get_by_role("button", name="Record decision").click()
    expect(p.get_by_text("Violation of VT-THREAT by nia")).to_be_visible()
    expect(p.locator("ol.trail")).to_contain_text("case.resolve")
    expect(p.locator("ol.trail")).to_contain_text("evidence.revealed")

    # A form posted without its CSRF token is refused.
    refused = p.request.post(f"{live}/next", form={"queue": ""})
    assert refused.status == 403

    p.get_by_role("button", name="Sign out").click()
    expect(p).to_have_url(f"{live}/login")
    p.goto("/my")
    expect(p.get_by_role("button", name="Sign in")).to_be_visible()


def test_screenshots_of_the_floor_and_a_case_from_demo_data(
    page: object, live: str, request: pytest.FixtureRequest
) -> None:
    p = page  # type: ignore[assignment]
    p.goto("/login")
    p.get_by_label("Username").fill("lena")
    p.get_by_label("Password").fill(DEMO_PASSWORD)
    p.get_by_role("button", name="Sign in").click()
    p.wait_for_url("**/floor")
    _shot(p, "floor", request)
    for path in ("/my", "/search?q=giveaway", "/exposure", "/queues/hate-harassment"):
        p.goto(path)
        assert _axe(p) == [], path
    p.goto("/search?q=video+of+the+attack")
    p.locator("table a").first.click()
    p.wait_for_url("**/cases/CASE-*")
    assert _axe(p) == []
    _shot(p, "case", request)
    # `e` opens the escalation form (a lead may escalate without holding the case): a reason
    # is required, then the audit trail shows it.
    expect = playwright_api.expect
    p.keyboard.press("e")
    reason = p.locator("#escalate-note")
    expect(reason).to_be_focused()
    assert _axe(p) == []
    p.get_by_role("button", name="Escalate with this reason").click()
    expect(p.locator("h1 .status")).not_to_have_text("escalated")  # the browser refuses it empty
    reason.fill("Needs legal: the video may be evidence in an open police case")
    p.get_by_role("button", name="Escalate with this reason").click()
    expect(p.locator("h1 .status")).to_have_text("escalated")
    expect(p.locator("ol.trail")).to_contain_text("case.escalate by user:lena")
    # An internal note, for whoever works the case next: on the page and in the trail.
    p.get_by_label("Add a note (internal: never sent outside the team)").fill(
        "Police liaison asked us to keep the upload; do not remove before Friday"
    )
    p.get_by_role("button", name="Add note").click()
    expect(p.locator("ol.notes")).to_contain_text("lena: Police liaison asked us to keep")
    expect(p.locator("ol.trail")).to_contain_text("case.note by user:lena")
    assert _axe(p) == []
    # The lead hands the case to the least loaded analyst (first in the list, with each
    # person's open cases and graphic exposure today), and sees who holds what.
    key = p.locator("h1").inner_text().split()[0]
    chosen = p.locator("#assignee option").first
    who = chosen.get_attribute("value")
    assert "open," in chosen.inner_text() and "graphic today" in chosen.inner_text()
    p.get_by_role("button", name="Assign", exact=True).click()
    expect(p.locator("h1 .status")).to_have_text("assigned")
    expect(p.locator(".facts")).to_contain_text(f"Assignee{who}")
    p.goto("/exposure")
    row = p.locator("tr", has=p.locator(f"text=({who})"))
    expect(row).to_contain_text(key)
    assert _axe(p) == []
