"""The on-call console pages through the console (session, CSRF, forms), on both databases:
who is on call now and next, overrides made and removed, pages acknowledged and resolved, the
hand-off brief and its record button; and who may see and do each."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.web.console_client import csrf_of, sign_in
from watchfloor.auth import preferences
from watchfloor.auth import service as auth
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.oncall import service as oncall
from watchfloor.runtime import Runtime

MakeUser = Callable[..., Person]
# A Wednesday morning in Dublin: Europe's layer has the primary pager.
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def at(moment: datetime) -> str:
    """How a page marks a moment for machines, whatever zone its reader reads it in."""
    return f'datetime="{moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"'


@pytest.fixture(autouse=True)
def morning(clock: SettableClock) -> None:
    clock.set(NOW)


def person(make_user: MakeUser, role: str, name: str) -> Person:
    from tests.web.console_client import PASSWORD

    return make_user(role, username=name, password=PASSWORD)


def page_on_call(runtime: Runtime, summary: str, severity: str, *, minutes_ago: int = 0) -> int:
    """Open a page through the paging service, ``minutes_ago`` before now."""
    clock = runtime.clock
    assert isinstance(clock, SettableClock)
    now = clock.now()
    clock.set(now - timedelta(minutes=minutes_ago))
    with session_scope(runtime.sessions) as session:
        page = oncall.page(
            session,
            clock,
            runtime.pager,
            schedule="safety-primary",
            summary=summary,
            severity=severity,
            case_key=None,
            dedup_key=f"test:{summary}",
            actor="system:test",
        )
        page_id = page.id
    clock.set(now)
    return page_id


# What each role may do here: see the pages, manage overrides, answer pages, record a hand-off.
ROLES = {
    "analyst": (True, False, True, False),
    "lead": (True, True, True, True),
    "qa": (True, False, False, False),
    "legal": (True, False, True, False),
    "admin": (True, True, True, True),
    "viewer": (True, False, False, False),
    "intake": (False, False, False, False),
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_sees_and_may_do_what_its_permissions_say(
    client: TestClient, make_user: MakeUser, runtime: Runtime, role: str
) -> None:
    reads, manages, responds, leads = ROLES[role]
    page_id = page_on_call(runtime, "P0 threat to life, queue at 40", "P0")
    person(make_user, role, "someone")
    csrf = sign_in(client, "someone")
    for path in ("/oncall", "/pages", "/handoff"):
        assert client.get(path).status_code == (200 if reads else 403), path
    if reads:
        assert ('href="/oncall"' in client.get("/pages").text) is True
        assert ("Create an override" in client.get("/oncall").text) is manages
        assert ("Acknowledge PAGE-" in client.get("/pages").text) is responds
        assert ("Record hand-off</button>" in client.get("/handoff").text) is leads
    form = {"csrf_token": csrf}
    override = {
        **form,
        "schedule": "safety-primary",
        "user": "emea.ben",
        "replaces": "emea.ana",
        "start": "2026-03-05T08:00",
        "end": "2026-03-05T12:00",
    }
    made = client.post("/oncall/overrides", data=override, follow_redirects=False)
    assert made.status_code == (303 if manages else 403)
    acked = client.post(f"/pages/{page_id}/acknowledge", data=form, follow_redirects=False)
    assert acked.status_code == (303 if responds else 403)
    recorded = client.post("/handoff", data={**form, "note": "quiet"}, follow_redirects=False)
    assert recorded.status_code == (303 if leads else 403)
    # A form without its CSRF token is refused, whatever the role.
    assert client.post(f"/pages/{page_id}/resolve", data={}).status_code == 403


def test_the_on_call_page_shows_who_is_on_call_now_and_next(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    person(make_user, "viewer", "vic")
    sign_in(client, "vic")
    html = client.get("/oncall").text
    assert '<a href="/oncall" aria-current="page">On call</a>' in html
    assert 'href="/pages"' in html and 'href="/handoff"' in html
    with session_scope(runtime.sessions) as session:
        config = runtime.config.oncall
        for name in oncall.schedule_names(config):
            now = oncall.shift_at(session, config, name, NOW)
            assert now is not None
            ahead = oncall.shifts(session, config, name, NOW, NOW + timedelta(days=35))
            following = next(s for s in ahead if s.start >= now.end)
            section = html.split(f'<span class="mono small">{name}</span>', 1)[1]
            section = section.split("</section>", 1)[0]
            assert f"<strong>{', '.join(now.users)}</strong>" in section
            assert at(now.start) in section and at(now.end) in section
            assert f"<strong>{', '.join(following.users)}</strong>" in section
            assert at(following.start) in section and at(following.end) in section
    # Europe's morning: the primary pager is with one of the EMEA pair.
    primary = html.split("safety-primary</span>", 1)[1].split("</section>", 1)[0]
    assert re.search(r"On call now</dt><dd><strong>emea\.(ana|ben)</strong>", primary)
    # A viewer reads; only those who manage overrides get the form.
    assert "Create an override" not in html


def test_a_lead_creates_and_removes_an_override_from_the_console(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    lead = person(make_user, "lead", "lena")
    csrf = sign_in(client, "lena")
    with session_scope(runtime.sessions) as session:
        before = oncall.on_call(
            session, runtime.config.oncall, "safety-primary", NOW + timedelta(minutes=30)
        )
    stand_in = "emea.ben" if before == ["emea.ana"] else "emea.ana"
    form = {
        "csrf_token": csrf,
        "schedule": "safety-primary",
        "user": stand_in,
        "replaces": before[0],
        "start": "2026-03-04T09:45",
        "end": "2026-03-04T12:00",
        "reason": "dentist",
    }
    made = client.post("/oncall/overrides", data=form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/oncall#overrides"
    # The API and the schedule see it: from 09:45 UTC the stand-in has the pager.
    listed = client.get("/api/v1/oncall/overrides", headers=lead.headers).json()
    assert [(o["user"], o["replaces"], o["created_by"]) for o in listed] == [
        (stand_in, before[0], "user:lena")
    ]
    assert listed[0]["starts_at"].startswith("2026-03-04T09:45")
    with session_scope(runtime.sessions) as session:
        soon = NOW + timedelta(minutes=30)
        assert oncall.on_call(session, runtime.config.oncall, "safety-primary", soon) == [stand_in]
    html = client.get("/oncall").text
    row = html.split('id="overrides"', 1)[1].split("</tbody>", 1)[0]
    assert stand_in in row and "dentist" in row
    assert at(datetime(2026, 3, 4, 9, 45, tzinfo=UTC)) in row
    removed = re.search(r'action="/oncall/overrides/(\d+)/delete"', html)
    assert removed is not None
    gone = client.post(
        f"/oncall/overrides/{removed.group(1)}/delete",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert "No override is in force or coming." in client.get("/oncall").text
    with session_scope(runtime.sessions) as session:
        soon = NOW + timedelta(minutes=30)
        assert oncall.on_call(session, runtime.config.oncall, "safety-primary", soon) == before
    trail = client.get("/api/v1/audit?object_id=safety-primary", headers=lead.headers).json()
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("oncall.override.deleted", "user:lena"),
        ("oncall.override.created", "user:lena"),
    ]
    # Removing it again: a page saying so, not a traceback.
    again = client.post(f"/oncall/overrides/{removed.group(1)}/delete", data={"csrf_token": csrf})
    assert again.status_code == 404 and "no on-call override" in again.text


@pytest.mark.parametrize(
    ("change", "message", "field"),
    [
        ({"end": "2026-03-05T07:00"}, "end must be after start", "end"),
        ({"replaces": "lead.mia"}, "is not on the safety-primary rota", "replaces"),
        ({"user": "emea.zoe"}, "unknown person &#39;emea.zoe&#39;", "user"),
        ({"start": "tomorrow"}, "is not a date and time", "start"),
        ({"schedule": "nope"}, "no on-call schedule named &#39;nope&#39;", "schedule"),
    ],
)
def test_a_refused_override_comes_back_on_the_form_as_typed(
    client: TestClient,
    make_user: MakeUser,
    change: dict[str, str],
    message: str,
    field: str,
) -> None:
    lead = person(make_user, "lead", "lena")
    csrf = sign_in(client, "lena")
    form = {
        "csrf_token": csrf,
        "schedule": "safety-primary",
        "user": "emea.ben",
        "replaces": "emea.ana",
        "start": "2026-03-05T08:00",
        "end": "2026-03-05T12:00",
        "reason": "covering a training day",
        **change,
    }
    answer = client.post("/oncall/overrides", data=form)
    assert answer.status_code == 422
    html = answer.text
    assert 'role="alert"' in html and message in html
    assert "covering a training day" in html  # what was typed is kept
    typed = {"start": form["start"], "end": form["end"]}
    assert f'value="{typed["start"]}"' in html and f'value="{typed["end"]}"' in html
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)
    assert client.get("/api/v1/oncall/overrides", headers=lead.headers).json() == []


def test_pages_are_answered_from_the_console_as_the_signed_in_person(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    analyst = person(make_user, "analyst", "ana")
    older = page_on_call(runtime, "P2 backlog growing", "P2", minutes_ago=50)
    urgent_new = page_on_call(runtime, "P0 new threat to life", "P0", minutes_ago=5)
    urgent_old = page_on_call(runtime, "P0 older threat to life", "P0", minutes_ago=20)
    csrf = sign_in(client, "ana")
    html = client.get("/pages").text
    open_rows = html.split('id="open"', 1)[1].split('id="resolved"', 1)[0]
    order = [
        open_rows.index(s)
        for s in ("P0 older threat to life", "P0 new threat to life", "P2 backlog growing")
    ]
    assert order == sorted(order), "most severe first, then the one waiting longest"
    assert "No page resolved yet." in html

    acked = client.post(
        f"/pages/{urgent_old}/acknowledge", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert acked.status_code == 303 and acked.headers["location"] == "/pages"
    got = client.get(f"/api/v1/pages/{urgent_old}", headers=analyst.headers).json()
    assert (got["state"], got["acknowledged_by"]) == ("acknowledged", "user:ana")
    assert got["next_escalation_at"] is None
    html = client.get("/pages").text
    assert f"by ana, <time {at(NOW)}" in html
    assert f'action="/pages/{urgent_old}/acknowledge"' not in html  # already someone's

    client.post(f"/pages/{urgent_old}/resolve", data={"csrf_token": csrf})
    got = client.get(f"/api/v1/pages/{urgent_old}", headers=analyst.headers).json()
    assert (got["state"], got["resolved_by"]) == ("resolved", "user:ana")
    html = client.get("/pages").text
    resolved = html.split('id="resolved"', 1)[1]
    assert "P0 older threat to life" in resolved
    assert "P0 older threat to life" not in html.split('id="resolved"', 1)[0]

    # Acknowledging a page already resolved is refused, and the list says why.
    refused = client.post(f"/pages/{urgent_old}/acknowledge", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text and "is already resolved" in refused.text
    assert "P0 new threat to life" in refused.text  # the list is still there
    missing = client.post("/pages/999999/resolve", data={"csrf_token": csrf})
    assert missing.status_code == 404 and "no page with id 999999" in missing.text
    states = {
        p["id"]: p["state"] for p in client.get("/api/v1/pages", headers=analyst.headers).json()
    }
    assert states == {older: "triggered", urgent_new: "triggered", urgent_old: "resolved"}


def test_the_hand_off_brief_and_recording_it(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    lead = person(make_user, "lead", "lena")
    person(make_user, "viewer", "vic")
    page_on_call(runtime, "P1 fraud wave on payouts", "P1", minutes_ago=10)
    sign_in(client, "vic")
    html = client.get("/handoff").text
    assert "no hand-off recorded yet" in html
    pages = html.split('id="pages"', 1)[1].split('id="oncall"', 1)[0]
    assert "P1 fraud wave on payouts" in pages and "<strong>triggered</strong>" in pages
    on_call = html.split('id="oncall"', 1)[1].split("</table>", 1)[0]
    with session_scope(runtime.sessions) as session:
        config = runtime.config.oncall
        for name in oncall.schedule_names(config):
            who = ", ".join(oncall.on_call(session, config, name, NOW))
            assert f'<th scope="row">{name}</th><td>{who}</td>' in on_call
    assert "Record hand-off</button>" not in html
    client.cookies.clear()

    csrf = sign_in(client, "lena")
    empty = client.post("/handoff", data={"csrf_token": csrf, "note": "   "})
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text and "a hand-off needs a note" in empty.text
    assert 'aria-invalid="true"' in empty.text
    note = "Fraud wave on payouts still open; PAGE acked by nobody yet."
    done = client.post("/handoff", data={"csrf_token": csrf, "note": note}, follow_redirects=False)
    assert done.status_code == 303
    html = client.get("/handoff").text
    assert '<strong id="recorded">lena</strong> recorded the last hand-off' in html
    assert f"Since <time {at(NOW)}" in html
    # The page is still open, so the next shift still sees it.
    assert "P1 fraud wave on payouts" in html
    brief = client.get("/api/v1/handoff", headers=lead.headers).json()
    assert brief["last_handoff_by"] == "lena"
    trail = client.get("/api/v1/audit?action=handoff.recorded", headers=lead.headers).json()
    assert [(e["actor"], e["after"]["note"]) for e in trail] == [("user:lena", note)]
    assert csrf_of(html) == csrf


def test_the_admin_page_shows_sla_and_on_call_configuration_as_tables(
    client: TestClient, make_user: MakeUser
) -> None:
    person(make_user, "admin", "avery")
    sign_in(client, "avery")
    html = client.get("/admin").text
    assert "<pre" not in html
    targets = html.split('id="sla-targets"', 1)[1].split("</table>", 1)[0]
    row = '<th scope="row">Default</th><td>P0</td><td>15 min</td><td>4 h</td><td>24x7</td>'
    assert row in targets
    assert '<th scope="row">privacy</th><td>P2</td><td>8 h</td><td>1 d 16 h</td>' in targets
    assert "<td>eu-office</td>" in targets
    cals = html.split('id="sla-calendars"', 1)[1].split("</table>", 1)[0]
    assert "Europe/Dublin" in cals and "mon 09:00\u201317:30" in cals
    assert "sat" not in cals and "2029-01-01" in cals
    layers = html.split('id="oncall-layers"', 1)[1].split("</table>", 1)[0]
    assert "apac.kim, apac.lee" in layers and "Australia/Sydney" in layers
    assert "every day from 2026-01-05 09:00" in layers and "every day 07:00\u201316:00" in layers
    assert "every week from 2026-01-05 09:00" in layers
    people = html.split('id="oncall-people"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">head.of.safety</th><td>yes</td><td>\u2014</td>' in people
    assert "@example.org" not in html  # whether an address is known, never the address
    steps = html.split('id="oncall-escalation"', 1)[1].split("</table>", 1)[0]
    assert "on call for safety-secondary" in steps and "head.of.safety" in steps
    assert '<th scope="row">safety (default)</th><td class="num">1</td>' in steps
    assert "avery" in html.split('id="users"', 1)[1]


def test_override_times_are_read_in_the_leads_own_time_zone(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    lead = person(make_user, "lead", "lena")
    csrf = sign_in(client, "lena")
    with session_scope(runtime.sessions) as session:
        user = auth.get_or_raise(session, username=lead.username)
        preferences.set_preferences(
            session, runtime.clock, user=user, changes={"time_zone": "Asia/Kolkata"}
        )
    html = client.get("/oncall").text
    assert "Start (Asia/Kolkata)" in html
    r = client.post(
        "/oncall/overrides",
        data={
            "csrf_token": csrf,
            "schedule": "safety-primary",
            "user": "emea.ben",
            "start": "2026-03-05T13:30",
            "end": "2026-03-05T17:30",
            "reason": "cover",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with session_scope(runtime.sessions) as session:
        [row] = oncall.list_overrides(session, runtime.config.oncall, schedule=None, now=NOW)
        # 13:30 in Kolkata (UTC+5:30) is 08:00 UTC.
        assert row.starts_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
