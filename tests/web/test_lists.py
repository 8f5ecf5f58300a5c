"""Queue and search pages as lists: paging past 100, every filter and sort, bad values answered
with 422 and a message, saved views (each person's own), and times in the reader's time zone;
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.web.console_client import PASSWORD, csrf_of, report_with_evidence, sign_in
from watchfloor.audit.models import AuditEvent
from watchfloor.auth import preferences
from watchfloor.auth import service as auth
from watchfloor.cases.models import Case
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

MakeUser = Callable[..., Person]
QUEUE = "general"
WAITING = 130  # more than the 100 the queue page used to stop at


def keys(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/cases/(CASE-\d+)"', html)


@pytest.fixture
def many(client: TestClient, runtime: Runtime, make_user: MakeUser) -> dict[str, object]:
    """WAITING waiting cases in QUEUE (mixed priority, area, language, age and deadline), 6
    held by ana, and one that the intake API opened elsewhere."""
    intake = make_user("intake")
    make_user("analyst", username="ana", password=PASSWORD)
    make_user("analyst", username="bo", password=PASSWORD)
    opened = client.post("/api/v1/reports", json=report_with_evidence(), headers=intake.headers)
    assert opened.status_code == 201, opened.text
    now = runtime.clock.now()
    areas = ["spam_scams", "privacy", "child_safety"]
    with session_scope(runtime.sessions) as s:
        ana = auth.get_or_raise(s, username="ana")
        subject_id = s.scalar(sa.select(sa.func.min(Case.subject_id)))
        rows = []
        for i in range(WAITING + 6):
            created = now - timedelta(minutes=10 + i)
            due = now + timedelta(minutes=(i % 7) * 30 - 60)  # some already breached
            held = i >= WAITING
            rows.append(
                {
                    "harm_area": areas[i % 3],
                    "priority": i % 4,
                    "status": "assigned" if held else "triaged",
                    "queue": QUEUE,
                    "subject_id": subject_id,
                    "assignee_id": ana.id if held else None,
                    "region": "EU",
                    "language": "de" if i % 5 == 0 else "en",
                    "summary": f"list case {i}",
                    "triage_reasons": [],
                    "risk_score": 0.5,
                    "harm_areas": [areas[i % 3]],
                    "triage_flags": [],
                    "report_count": 1,
                    "created_at": created,
                    "updated_at": created,
                    "last_report_at": created,
                    "first_action_due_at": due,
                    "first_action_warn_at": due - timedelta(minutes=40),
                    "resolve_due_at": due + timedelta(days=1),
                    "resolve_warn_at": due + timedelta(hours=20),
                }
            )
        s.execute(sa.insert(Case), rows)
        found = s.execute(
            sa.select(Case.id, Case.priority, Case.first_action_due_at, Case.created_at).where(
                Case.queue == QUEUE, Case.assignee_id.is_(None)
            )
        ).all()
    return {"waiting": found, "now": now}


def _key(case_id: int) -> str:
    return f"CASE-{case_id:06d}"


def test_a_queue_pages_through_every_waiting_case_in_the_order_next_serves(
    client: TestClient, many: dict[str, list[tuple[int, int, datetime, datetime]]]
) -> None:
    sign_in(client, "ana")
    waiting = many["waiting"]
    expected = [_key(r[0]) for r in sorted(waiting, key=lambda r: (r[1], r[2], r[0]))]
    seen: list[str] = []
    page = client.get(f"/queues/{QUEUE}")
    assert page.status_code == 200
    assert f"Showing 1\u201350 of {len(waiting)}" in page.text
    assert 'rel="prev"' not in page.text
    for number in (1, 2, 3):
        page = client.get(f"/queues/{QUEUE}", params={"page": number})
        seen += keys(page.text)
        assert ('rel="next"' in page.text) is (number < 3)
    assert seen == expected  # past 100, no case twice, none left out
    assert f"Showing 101\u2013{len(waiting)} of {len(waiting)}" in page.text
    assert f'href="/queues/{QUEUE}?page=2" rel="prev"' in page.text


def test_queue_filters_and_sorts(client: TestClient, many: dict[str, object]) -> None:
    sign_in(client, "ana")
    now = many["now"]
    assert isinstance(now, datetime)

    def listed(**params: str) -> str:
        answer = client.get(f"/queues/{QUEUE}", params=params)
        assert answer.status_code == 200, answer.text
        return answer.text

    p0 = listed(priority="P0")
    assert keys(p0) and 'class="prio P1"' not in p0 and 'class="prio P0"' in p0
    privacy = listed(harm_area="privacy")
    assert keys(privacy) and '<td data-label="Harm area">spam_scams' not in privacy
    german = keys(listed(language="de"))
    assert 0 < len(german) < 50 and len(german) == len(range(0, WAITING, 5))
    held = listed(show="worked", assignee="ana")
    assert len(keys(held)) == 6 and "list case 135" in held
    assert keys(listed(show="open", assignee="none")) == keys(listed())
    assert keys(listed(show="worked", assignee="bo")) == []
    assert keys(listed(show="worked", assignee="nobody-by-that-name")) == []
    assert "Being worked" in held and "No case matches these filters" in listed(
        show="worked", assignee="bo"
    )
    status = keys(listed(show="open", status="assigned"))
    assert len(status) == 6
    breached = listed(sla="breached")
    at_risk = listed(sla="at_risk")
    assert keys(breached) and keys(at_risk) and not set(keys(breached)) & set(keys(at_risk))
    assert 'class="state-ok"' not in breached and 'class="state-warning"' in at_risk
    # Orders: oldest and newest mirror each other; "due" has deadlines never going back.
    oldest, newest = keys(listed(sort="oldest")), keys(listed(sort="newest"))
    waiting = many["waiting"]
    assert isinstance(waiting, list)
    by_age = [_key(r[0]) for r in sorted(waiting, key=lambda r: (r[3], r[0]))]
    assert oldest == by_age[:50] and newest == list(reversed(by_age))[:50]
    by_due = [_key(r[0]) for r in sorted(waiting, key=lambda r: (r[2], r[0]))]
    assert keys(listed(sort="due")) == by_due[:50]
    # The filters travel with the paging links.
    page = listed(priority="P2", sort="oldest")
    assert "priority=P2" in page and "sort=oldest" in page


def test_bad_list_values_answer_422_naming_the_field(
    client: TestClient, many: dict[str, object]
) -> None:
    sign_in(client, "ana")
    for params, message in (
        ({"priority": "P9"}, "priority: &#39;P9&#39; is not one of P0, P1, P2, P3"),
        ({"sort": "sideways"}, "sort: &#39;sideways&#39; is not one of"),
        ({"page": "0"}, "page: &#39;0&#39; is not a page number from 1 to 200"),
        ({"page": "x"}, "is not a page number"),
        ({"show": "everything"}, "show: &#39;everything&#39; is not one of"),
        ({"language": "<b>"}, "is not a language tag"),
        ({"harm_area": "nope"}, "unknown harm area"),
        ({"sla": "late"}, "sla: &#39;late&#39; is not one of breached, at_risk"),
        ({"status": "resolved"}, "unknown status"),  # a queue lists open cases only
    ):
        answer = client.get(f"/queues/{QUEUE}", params=params)
        assert answer.status_code == 422, params
        assert message in answer.text and 'role="alert"' in answer.text, params
        assert not keys(answer.text)
        found = client.get("/search", params={"q": "list case", **params})
        if "show" not in params and "status" not in params:
            assert found.status_code == 422 and message in found.text, params


def test_search_pages_filters_and_sorts(
    client: TestClient, runtime: Runtime, many: dict[str, object]
) -> None:
    sign_in(client, "ana")
    with session_scope(runtime.sessions) as s:
        triaged = s.execute(
            sa.select(Case.id, Case.created_at).where(Case.status == "triaged")
        ).all()
    newest = [_key(i) for i, _ in sorted(triaged, key=lambda r: (r[1], r[0]), reverse=True)]
    first = client.get("/search", params={"status": "triaged"})
    assert first.status_code == 200 and f"Showing 1\u201350 of {len(triaged)}" in first.text
    pages = [
        keys(client.get("/search", params={"status": "triaged", "page": n}).text) for n in (1, 2, 3)
    ]
    assert [k for p in pages for k in p] == newest
    oldest = keys(client.get("/search", params={"status": "triaged", "sort": "oldest"}).text)
    assert oldest == list(reversed(newest))[:50]
    only = client.get("/search", params={"priority": "P3", "language": "de"}).text
    assert keys(only) and 'class="prio P2"' not in only and "list case 15<" in only
    assert len(keys(client.get("/search", params={"assignee": "ana"}).text)) == 6
    late = keys(client.get("/search", params={"sla": "breached", "sort": "due"}).text)
    not_late = keys(client.get("/search", params={"sla": "at_risk"}).text)
    assert late and not_late and not set(late) & set(not_late)
    bad = client.get("/search", params={"opened_from": "yesterday", "status": "lost"})
    assert bad.status_code == 422 and "not a date" in bad.text


def test_saved_views_are_each_persons_own(
    client: TestClient, runtime: Runtime, many: dict[str, object]
) -> None:
    csrf = sign_in(client, "ana")
    saved = client.post(
        "/views",
        data={
            "csrf_token": csrf,
            "page": f"queue:{QUEUE}",
            "name": "  German P0  ",
            "query": "priority=P0&language=de&page=3",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/queues/{QUEUE}?priority=P0&language=de"
    page = client.get(f"/queues/{QUEUE}").text
    assert f'href="/queues/{QUEUE}?priority=P0&amp;language=de">German P0</a>' in page
    # The same name again replaces it.
    client.post(
        "/views",
        data={"csrf_token": csrf, "page": f"queue:{QUEUE}", "name": "German P0", "query": "x=1"},
    )
    page = client.get(f"/queues/{QUEUE}").text
    assert page.count(">German P0</a>") == 1 and "?x=1" in page
    view_id = re.search(r'action="/views/(\d+)/delete"', page)
    assert view_id is not None
    # Not on the search page, and bad names are refused with a message.
    assert "German P0" not in client.get("/search").text
    for name in ("", " ", "x" * 81):
        bad = client.post(
            "/views", data={"csrf_token": csrf, "page": "search", "name": name, "query": ""}
        )
        assert bad.status_code == 422 and "1 to 80 characters" in bad.text
    missing = client.post(
        "/views", data={"csrf_token": csrf, "page": "queue:nowhere", "name": "n", "query": ""}
    )
    assert missing.status_code == 404
    # Bo sees none of ana's views and cannot delete them.
    client.cookies.clear()
    bo_csrf = sign_in(client, "bo")
    assert "German P0" not in client.get(f"/queues/{QUEUE}").text
    refused = client.post(f"/views/{view_id[1]}/delete", data={"csrf_token": bo_csrf})
    assert refused.status_code == 404
    client.cookies.clear()
    csrf = sign_in(client, "ana")
    gone = client.post(
        f"/views/{view_id[1]}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and gone.headers["location"] == f"/queues/{QUEUE}"
    assert "German P0" not in client.get(f"/queues/{QUEUE}").text
    assert client.post("/views/1/delete", data={}).status_code == 403  # no CSRF token
    with session_scope(runtime.sessions) as s:
        actions = s.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "saved_view")
        ).all()
    assert actions == ["user.view_saved", "user.view_saved", "user.view_deleted"]


def test_times_show_in_the_readers_zone_with_utc_on_hover(
    client: TestClient, runtime: Runtime, many: dict[str, object]
) -> None:
    sign_in(client, "ana")
    with session_scope(runtime.sessions) as s:
        ana = auth.get_or_raise(s, username="ana")
        preferences.set_preferences(
            s, runtime.clock, user=ana, changes={"time_zone": "Asia/Kolkata"}
        )
        created = s.scalar(sa.select(Case.created_at).where(Case.id == 1))
    assert created is not None
    utc = created.replace(tzinfo=created.tzinfo or preferences.ZoneInfo("UTC"))
    local = utc.astimezone(preferences.ZoneInfo("Asia/Kolkata"))
    expected = (
        f'<time datetime="{utc:%Y-%m-%dT%H:%M:%S}Z" title="{utc:%Y-%m-%d %H:%M} UTC">'
        f"{local:%d %b %H:%M} IST</time>"
    )
    found = client.get("/search", params={"q": "CASE-000001"}).text
    assert expected in found
    page = client.get("/cases/CASE-000001").text
    assert f'title="{utc:%Y-%m-%d %H:%M} UTC">' in page and " IST</time>" in page
    # Someone who chose no zone reads UTC.
    client.cookies.clear()
    sign_in(client, "bo")
    found = client.get("/search", params={"q": "CASE-000001"}).text
    assert f"{utc:%d %b %H:%M} UTC</time>" in found
    assert csrf_of(found)
