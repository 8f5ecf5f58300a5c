"""The incident console through HTTP as a browser uses it, on SQLite and PostgreSQL: declaring
from a case (and the 409 when the case is already in one), the room's forms and their refusals,
the floor's banner, the case page's link, and the review's downloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.clock import SettableClock

MakeUser = Callable[..., Person]


@pytest.fixture
def cases(client: TestClient, make_user: MakeUser) -> list[str]:
    intake = make_user("intake")
    keys = []
    for i in (1, 2):
        body = report(i, text="I will shoot up the school on Friday, everyone there will pay")
        r = client.post("/api/v1/reports", json=body, headers=intake.headers)
        assert r.status_code == 201, r.text
        keys.append(str(r.json()["case"]))
    return keys


@pytest.fixture
def hook(client: TestClient, make_user: MakeUser) -> str:
    admin = make_user("admin")
    r = client.post(
        "/api/v1/webhooks",
        json={"name": "trust-safety", "url": "https://hooks.example.org/ts", "event_types": []},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    return "trust-safety"


def declare(client: TestClient, csrf: str, **form: object) -> str:
    data = {"csrf_token": csrf, "severity": "SEV2", "title": "Threat against a school", **form}
    r = client.post("/incidents", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    return str(r.headers["location"]).removeprefix("/incidents/")


def switch(client: TestClient, csrf: str, username: str) -> str:
    """Sign out, and in as someone else; their CSRF token."""
    client.post("/logout", data={"csrf_token": csrf})
    return sign_in(client, username)


def post(client: TestClient, url: str, csrf: str, **form: object) -> object:
    return client.post(url, data={"csrf_token": csrf, **form}, follow_redirects=True)


def test_declare_from_a_case_shows_it_on_the_list_floor_and_case_page(
    client: TestClient, make_user: MakeUser, cases: list[str], hook: str
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    prefilled = client.get(f"/incidents?case={cases[0]}")
    assert prefilled.status_code == 200
    assert f'name="cases" value="{cases[0]}"' in prefilled.text
    assert "Imminent risk to life or safety" in prefilled.text  # SEV1's meaning, by its radio
    key = declare(client, csrf, cases=cases[0], harm_area="violence_threats", webhooks=hook)
    room = client.get(f"/incidents/{key}")
    assert room.status_code == 200
    assert key in room.text and "Threat against a school" in room.text
    assert re.search(r"<dt>Commander</dt><dd>ana</dd>", room.text)
    assert f'href="/cases/{cases[0]}"' in room.text and "trust-safety" in room.text
    listed = client.get("/incidents").text
    assert f'href="/incidents/{key}"' in listed.split('id="closed"')[0]
    assert "Active incidents" in client.get("/floor").text
    assert f'href="/incidents/{key}"' in client.get("/floor").text
    case_page = client.get(f"/cases/{cases[0]}").text
    assert f'href="/incidents/{key}"' in case_page
    assert f'href="/incidents?case={cases[0]}#declare"' in case_page


def test_a_case_already_in_an_open_incident_offers_that_incident(
    client: TestClient, make_user: MakeUser, cases: list[str]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    first = declare(client, csrf, cases=cases[0])
    again = client.post(
        "/incidents",
        data={"csrf_token": csrf, "severity": "SEV3", "title": "Same", "cases": cases[0]},
    )
    assert again.status_code == 409
    assert f"{cases[0]} is already in {first}" in again.text
    assert f'<a href="/incidents/{first}">Open {first}</a>' in again.text
    assert 'value="Same"' in again.text  # what was typed is kept


def test_bad_declare_input_comes_back_on_the_form(
    client: TestClient, make_user: MakeUser, cases: list[str]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    blank = client.post("/incidents", data={"csrf_token": csrf, "severity": "SEV2", "title": " "})
    assert blank.status_code == 422 and "title" in blank.text and 'role="alert"' in blank.text
    unknown = client.post(
        "/incidents",
        data={"csrf_token": csrf, "severity": "SEV2", "title": "x", "cases": "CASE-999999"},
    )
    assert unknown.status_code == 422 and "unknown case(s): CASE-999999" in unknown.text


def test_the_room_forms_roles_tasks_entries_updates_and_state(
    client: TestClient, make_user: MakeUser, cases: list[str], hook: str, clock: SettableClock
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    make_user("legal", username="lee.legal", password=PASSWORD)
    make_user("analyst", username="cat", password=PASSWORD)
    csrf = sign_in(client, "ana")
    key = declare(client, csrf, cases=cases[0], webhooks=hook)
    room = f"/incidents/{key}"

    given = post(client, f"{room}/roles", csrf, role="legal", user="lee.legal")
    assert given.status_code == 200 and "lee.legal" in given.text and "PAGE-" in given.text
    both = client.post(
        f"{room}/roles", data={"csrf_token": csrf, "role": "policy", "user": "x", "schedule": "y"}
    )
    assert both.status_code == 422 and "name either user or schedule" in both.text

    soon = (clock.now() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    post(client, f"{room}/tasks", csrf, title="Preserve the posts", owner="cat", due=soon)
    clock.advance(timedelta(hours=1))
    tasks = client.get(room).text.split('id="tasks"')[1].split('id="updates"')[0]
    assert "Preserve the posts" in tasks and "Overdue" in tasks  # in words, not colour alone
    nobody = client.post(f"{room}/tasks", data={"csrf_token": csrf, "title": "x", "owner": "zz"})
    assert nobody.status_code == 422 and "no active user named &#39;zz&#39;" in nobody.text

    no_basis = client.post(
        f"{room}/timeline", data={"csrf_token": csrf, "kind": "decision", "text": "Refer to police"}
    )
    assert no_basis.status_code == 422 and "a decision needs its basis" in no_basis.text
    assert "Refer to police" in no_basis.text  # kept for the retry
    entry = post(
        client,
        f"{room}/timeline",
        csrf,
        kind="decision",
        text="Refer to police",
        basis="Policy 4.2: credible threat",
        flag="1",
    )
    assert "Basis: Policy 4.2: credible threat" in entry.text

    draft = client.post(f"{room}/updates/draft", data={"csrf_token": csrf})
    assert draft.status_code == 200 and "Draft — edit before sending" in draft.text
    text = re.search(r'<textarea id="update-text"[^>]*>([^<]*)</textarea>', draft.text)
    assert text and key in text.group(1)
    sent = post(client, f"{room}/updates", csrf, text="Police informed; posts preserved.")
    assert "Police informed; posts preserved." in sent.text.split('id="updates"')[1]

    csrf_cat = switch(client, csrf, "cat")
    refused = client.post(f"{room}/status", data={"csrf_token": csrf_cat, "status": "mitigated"})
    assert refused.status_code == 403 and "only the commander (ana)" in refused.text
    csrf = switch(client, csrf_cat, "ana")
    closing = client.post(f"{room}/status", data={"csrf_token": csrf, "status": "closed"})
    assert closing.status_code == 409
    moved = post(client, f"{room}/status", csrf, status="mitigated", note="posts removed")
    assert '<span class="status">mitigated</span>' in moved.text


def test_unlink_and_link_cases_and_finish_a_task(
    client: TestClient, make_user: MakeUser, cases: list[str]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    key = declare(client, csrf, cases=cases[0])
    room = f"/incidents/{key}"
    linked = post(client, f"{room}/cases", csrf, cases=cases[1])
    assert f'href="/cases/{cases[1]}"' in linked.text
    unlinked = post(client, f"{room}/cases/{cases[0]}/unlink", csrf)
    assert f'href="/cases/{cases[0]}"' not in unlinked.text.split('id="tasks"')[0]
    post(client, f"{room}/tasks", csrf, title="Call the school")
    task_id = re.search(rf'action="{room}/tasks/(\d+)"', client.get(room).text)
    assert task_id
    done = post(client, f"{room}/tasks/{task_id.group(1)}", csrf, status="done")
    assert "Tasks (0 open)" in done.text


def test_timeline_pages_fifty_at_a_time(
    client: TestClient, make_user: MakeUser, cases: list[str]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    key = declare(client, csrf)
    for i in range(55):
        client.post(f"/incidents/{key}/timeline", data={"csrf_token": csrf, "text": f"note {i}"})
    first = client.get(f"/incidents/{key}").text
    assert "note 54" in first and not re.search(r"note 3\s", first)
    older = re.search(r'href="(/incidents/[^"]+\?before=[^"#]+)#timeline">Older', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert re.search(r"note 3\s", second) and "note 54" not in second


def test_review_downloads(client: TestClient, make_user: MakeUser) -> None:
    make_user("viewer", username="vic", password=PASSWORD)
    make_user("analyst", username="ana", password=PASSWORD)
    key = declare(client, csrf := sign_in(client, "ana"))
    switch(client, csrf, "vic")
    md = client.get(f"/incidents/{key}/review.md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# ") and key in md.text
    html = client.get(f"/incidents/{key}/review.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert key in html.text
    assert 'action="/incidents"' not in client.get("/incidents").text  # a viewer cannot declare


def test_the_review_is_written_drafted_and_key_entries_marked_on_the_room(
    client: TestClient, make_user: MakeUser, cases: list[str]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    csrf = sign_in(client, "ana")
    key = declare(client, csrf, cases=cases[0])
    room = f"/incidents/{key}"
    post(client, f"{room}/timeline", csrf, kind="note", text="School principal called back")
    page = client.get(room).text
    entry = re.search(rf'action="{room}/timeline/(entry-\d+)/key"', page)
    assert entry, "every timeline entry has a Mark key button"
    marked = post(client, f"{room}/timeline/{entry.group(1)}/key", csrf, flag="1")
    assert "Unmark key" in marked.text
    assert "School principal called back" in client.get(f"{room}/review.md").text
    bogus = client.post(
        f"{room}/timeline/audit-99999999/key", data={"csrf_token": csrf, "flag": "1"}
    )
    assert bogus.status_code == 404 and "no timeline entry" in bogus.text

    draft = client.post(f"{room}/review/draft", data={"csrf_token": csrf})
    assert draft.status_code == 200 and "Draft — edit before saving." in draft.text
    summary = re.search(r'<textarea id="review-summary"[^>]*>([^<]*)</textarea>', draft.text)
    assert summary and summary.group(1).strip()
    assert client.get(f"{room}/review.md").text.count("(not written yet)") >= 1  # not saved

    saved = post(
        client,
        f"{room}/review",
        csrf,
        summary="A threat against a school; police informed within the hour.",
        went_well="Declared within minutes",
        went_badly="Legal was paged late",
        impact_note="",
    )
    assert "Declared within minutes" in saved.text
    review = client.get(f"{room}/review.md").text
    for text in (
        "police informed within the hour",
        "Declared within minutes",
        "Legal was paged late",
    ):
        assert text in review
    too_long = client.post(f"{room}/review", data={"csrf_token": csrf, "went_well": "x" * 20_001})
    assert too_long.status_code == 422
