"""Incidents in a real headless Chromium: an analyst declares one from a case's page, sees it on
the floor's banner and on the case, gives a role, adds a task, drafts, edits and sends an update,
records a decision and marks it mitigated; axe-core finds no WCAG 2.2 AA violation on the list
and the room at desk width and at a phone's 390 px, where neither scrolls sideways."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.browser import axe_violations, shot
from watchfloor.auth import service as auth
from watchfloor.cases.lifecycle import OPEN_STATUSES
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import case_key
from watchfloor.db import session_scope
from watchfloor.incidents import roles
from watchfloor.incidents import service as incidents
from watchfloor.incidents.schemas import DeclareIn
from watchfloor.notify import service as notify
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
RECEIVER = "trust-safety-room"


def sign_in(p: object, username: str, target: str) -> None:
    p.goto(f"/login?next={target}")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"**{target}")  # type: ignore[attr-defined]


def setup(runtime: Runtime) -> str:
    """A webhook receiver for the incident's updates, and the key of an open case of the day."""
    with session_scope(runtime.sessions) as session:
        notify.create_endpoint(
            session,
            runtime.clock,
            name=RECEIVER,
            url="https://hooks.example.org/trust-safety",
            event_types=[],
            actor="system:test",
            allow_networks=[],
        )
        open_ids = session.scalars(
            select(Case.id)
            .where(Case.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Case.id)
            .limit(50)
        )
        # Not one of the demo incident's cases: declaring from it would offer that incident.
        found = next(i for i in open_ids if not incidents.incidents_of_case(session, case_id=i))
        return case_key(found)


def test_an_analyst_runs_an_incident_from_the_console(
    page: object, live: str, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    case = setup(runtime)
    sign_in(p, "sam", f"/cases/{case}")

    # From the case: the Declare form comes prefilled with it.
    p.get_by_role("link", name="Declare an incident from this case").click()
    form = p.locator("#declare")
    expect(form.get_by_label("Cases", exact=True)).to_have_value(case)
    assert axe_violations(p) == []
    form.get_by_label("SEV2").check()
    form.get_by_label("Title").fill("Scam campaign hitting payouts")
    form.get_by_label(RECEIVER).check()
    form.get_by_role("button", name="Declare incident").click()
    p.wait_for_url(re.compile(r".*/incidents/INC-\d+$"))
    key = p.url.rsplit("/", 1)[1]
    expect(p.get_by_role("heading", level=1)).to_contain_text(key)
    expect(p.get_by_role("region", name="Linked cases").get_by_role("link", name=case))
    assert axe_violations(p) == []
    shot(p, "incident", request)

    # The floor's banner and the case page lead back to it.
    p.get_by_role("link", name="Floor", exact=True).click()
    banner = p.get_by_role("region", name="Active incidents")
    expect(banner.get_by_role("link", name=key)).to_be_visible()
    p.goto(f"/cases/{case}")
    p.get_by_role("link", name=key).click()
    p.wait_for_url(f"**/incidents/{key}")

    # A role, given to a person (and paged).
    p.get_by_label("Role", exact=True).select_option("legal")
    p.get_by_label("Person (username)").fill("lee")
    p.get_by_role("button", name="Give role and page").click()
    legal = p.get_by_role("region", name="Roles").get_by_role("row", name="Legal")
    expect(legal).to_contain_text("lee")
    expect(legal).to_contain_text("PAGE-")

    # A task with an owner.
    p.get_by_label("Task", exact=True).fill("Freeze the payout accounts")
    p.get_by_label("Owner (username)").fill("jonas")
    p.get_by_role("button", name="Add task").click()
    task = p.get_by_role("region", name="Tasks").get_by_role("row", name="Freeze the payout")
    expect(task).to_contain_text("jonas")

    # A draft update, edited, then sent.
    p.get_by_role("button", name="Draft update").click()
    expect(p.get_by_text("Draft — edit before sending")).to_be_visible()
    text = p.get_by_label("Update text")
    expect(text).to_have_value(re.compile(key))
    assert axe_violations(p) == []
    text.fill(text.input_value() + "\nPayout accounts are being frozen.")
    p.get_by_role("button", name="Send update").click()
    updates = p.locator("#updates")
    expect(updates.get_by_text("Payout accounts are being frozen.")).to_be_visible()
    expect(updates).to_contain_text(f"Sent to {RECEIVER}")

    # A decision with its basis, flagged key.
    p.get_by_label("Kind").select_option("decision")
    p.get_by_label("Basis (for a decision: the policy or law)").fill("Fraud policy 3.1")
    p.get_by_label("What happened").fill("Suspend every account in the ring")
    p.get_by_label("Key entry (goes into the review)").check()
    p.get_by_role("button", name="Add entry").click()
    entry = p.locator("ol.timeline li", has_text="Suspend every account in the ring")
    expect(entry).to_contain_text("Basis: Fraud policy 3.1")
    expect(entry).to_contain_text("key")

    # Mitigated, by its commander.
    p.get_by_role("button", name="Mark mitigated").click()
    expect(p.get_by_role("heading", level=1)).to_contain_text("mitigated")
    assert axe_violations(p) == []
    p.get_by_role("link", name="Incidents", exact=True).click()
    expect(
        p.get_by_role("region", name="Open incidents").get_by_role("row", name=key)
    ).to_contain_text("mitigated")
    assert axe_violations(p) == []


def declared(runtime: Runtime, case: str) -> str:
    """An incident from ``case``, through the services, commanded by sam."""
    with session_scope(runtime.sessions) as session:
        sam = auth.get_active(session, username="sam")
        assert sam is not None
        config = runtime.config.incidents
        body = DeclareIn(
            severity="SEV1",
            title="A credible threat against a named school, posted from several accounts",
            cases=[case],
            summary="Several accounts repeat the threat; police are being contacted.",
        )
        incident = incidents.declare(
            session, runtime.clock, config, runtime.config.taxonomy, body=body, by=sam
        )
        roles.assign(
            session,
            runtime.clock,
            runtime.pager,
            config,
            incident=incident,
            role="commander",
            user="sam",
            by=sam,
        )
        return incident.key


@pytest.mark.parametrize("where", ["list", "room"])
def test_incident_pages_read_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, where: str, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    key = declared(runtime, setup(runtime))
    path = "/incidents" if where == "list" else f"/incidents/{key}"
    sign_in(p, "sam", path)
    expect(p.locator("h1")).to_be_visible()
    assert axe_violations(p) == []
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    shot(p, f"phone-incident-{where}", request)
