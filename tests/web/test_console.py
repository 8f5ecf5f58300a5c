"""The console through HTTP as a browser uses it: sign-in, CSRF, pages, evidence protection,
decisions, search, legal holds and role-aware pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import Person
from tests.web.console_client import PASSWORD, csrf_of, report_with_evidence, sign_in
from watchfloor.app import create_app
from watchfloor.auth import login_sessions
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

MakeUser = Callable[..., Person]


@pytest.fixture
def case_key(client: TestClient, make_user: MakeUser) -> str:
    intake = make_user("intake")
    answer = client.post("/api/v1/reports", json=report_with_evidence(), headers=intake.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case"])


def person(make_user: MakeUser, role: str, name: str | None = None) -> Person:
    return make_user(role, username=name or role, password=PASSWORD)


def test_pages_need_a_sign_in_and_send_you_back_after(
    client: TestClient, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    answer = client.get("/cases/CASE-000001?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcases%2FCASE-000001%3Fx%3D1"
    form = client.get("/login?next=/my")
    signed = client.post(
        "/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "/my",
        },
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/my"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_sign_in_refuses_wrong_passwords_foreign_forms_and_open_redirects(
    client: TestClient, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"username": "ana", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    assert "wf_session" not in client.cookies
    forged = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 403 and "sign-in form has expired" in forged.text
    away = client.post(
        "/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert away.headers["location"] == "/floor"


def test_cookie_is_secure_over_tls(runtime: Runtime, make_user: MakeUser) -> None:
    person(make_user, "analyst", "ana")
    with TestClient(create_app(runtime), base_url="https://watchfloor.test") as tls:
        token = csrf_of(tls.get("/login").text)
        answer = tls.post(
            "/login",
            data={"username": "ana", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
    assert "Secure" in answer.headers["set-cookie"]


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    assert client.post("/next", follow_redirects=False).status_code == 403
    assert client.post("/next", data={"csrf_token": "guess"}).status_code == 403
    foreign = client.post(
        "/next", data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and "another site" in foreign.text
    # Nothing was claimed by the refused posts; the real one claims.
    taken = client.post("/next", data={"csrf_token": csrf}, follow_redirects=False)
    assert taken.headers["location"] == f"/cases/{case_key}#case"


def test_signing_out_ends_the_session_everywhere(client: TestClient, make_user: MakeUser) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    cookie = client.cookies["wf_session"]
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("wf_session", cookie)  # a copy of the old cookie, kept somewhere
    assert client.get("/floor", follow_redirects=False).status_code == 303


def test_floor_shows_every_queue_with_counts_and_deadlines(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "lead", "lena")
    sign_in(client, "lena")
    page = client.get("/floor")
    assert page.status_code == 200
    assert "Life safety (P0)" in page.text and "data-countdown" in page.text
    live = client.get("/floor/live")
    assert live.text.lstrip().startswith("<table") and "<html" not in live.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_evidence_stays_hidden_until_revealed_and_each_reveal_is_counted_and_audited(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    page = client.get(f"/cases/{case_key}").text
    # A graphic harm area: every item starts hidden, and hidden text is not even sent.
    assert "graphic description of injuries" not in page and "an ordinary caption" not in page
    assert len(re.findall(r"/evidence/(\d+)/reveal", page)) == 3
    ids = [int(i) for i in re.findall(r"/evidence/(\d+)/preview", page)]
    assert len(ids) == 1
    image_id = ids[0]
    # The preview is a small greyscale JPEG; the file itself is refused until revealed.
    preview = client.get(f"/evidence/{image_id}/preview")
    assert preview.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(preview.content)).mode == "L"
    assert client.get(f"/evidence/{image_id}/file").status_code == 403

    revealed = client.post(
        f"/cases/{case_key}/evidence/{image_id}/reveal",
        headers={"X-CSRF-Token": csrf, "X-Requested-With": "watchfloor"},
    )
    assert revealed.status_code == 200 and f"/evidence/{image_id}/file" in revealed.text
    assert "Exposure today: <strong>1</strong>" in revealed.text
    assert client.get(f"/evidence/{image_id}/file").headers["content-type"] == "image/png"
    # Revealing it again (a reload, a second click) is not counted twice.
    client.post(f"/cases/{case_key}/evidence/{image_id}/reveal", data={"csrf_token": csrf})
    text_id = int(
        re.findall(r"/cases/[^/]+/evidence/(\d+)/reveal", client.get(f"/cases/{case_key}").text)[0]
    )
    client.post(f"/cases/{case_key}/evidence/{text_id}/reveal", data={"csrf_token": csrf})
    page = client.get(f"/cases/{case_key}").text
    assert "graphic description of injuries" in page
    assert "Exposure today: <strong>2</strong>" in client.get("/my").text
    assert page.count("evidence.revealed") == 2  # in the case's audit trail


def test_a_lead_sees_the_team_exposure_an_analyst_only_their_own(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "lead", "lena")
    csrf = sign_in(client, "ana")
    page = client.get(f"/cases/{case_key}").text
    first = re.findall(r"/cases/[^/]+/evidence/(\d+)/reveal", page)[0]
    client.post(f"/cases/{case_key}/evidence/{first}/reveal", data={"csrf_token": csrf})
    assert "The team today" not in client.get("/exposure").text
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "lena")
    team = client.get("/exposure").text
    assert "The team today" in team
    assert re.search(
        r"\(ana\)</span></th>\s*<td>analyst</td><td class=\"num\">\d+</td>\s*<td>.*?</td>\s*"
        r"<td class=\"num\">0</td><td class=\"num\">1</td>",
        team,
    )


def test_a_viewer_sees_the_case_but_no_evidence(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "viewer", "vic")
    csrf = sign_in(client, "vic")
    page = client.get(f"/cases/{case_key}").text
    assert "Evidence is not shown to your role" in page
    # A graphic harm area: neither the report's text nor the summary made from it.
    assert "kill more people" not in page and "Report text withheld: graphic harm area" in page
    assert "Summary withheld" in page
    assert 'id="next-form"' not in page  # nothing for `n` to submit: viewers take no cases
    assert "/preview" not in page and "an ordinary caption" not in page
    assert client.get("/evidence/1/preview").status_code == 403
    refused = client.post(f"/cases/{case_key}/evidence/1/reveal", data={"csrf_token": csrf})
    assert refused.status_code == 403


def test_claim_decide_with_a_reply_template_and_see_it_in_the_audit_trail(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    assert client.post("/next", data={"csrf_token": csrf}).url.path == f"/cases/{case_key}"
    page = client.get(f"/cases/{case_key}").text
    assert "Thank you for your report (" + case_key + ")" in page  # a rendered template
    bad = client.post(
        f"/cases/{case_key}/decision",
        data={
            "csrf_token": csrf,
            "policy_id": "VT-THREAT",
            "violation": "yes",
            "rationale": "short",
            "actions": ["no_action"],
            "message": "hi",
            "message_for": "notify_reporter",
        },
    )
    assert bad.status_code == 422
    assert "rationale: String should have at least 10 characters" in bad.text
    assert "tick that action" in bad.text
    assert "Not decided yet" in bad.text  # nothing was written
    no_enforcement = client.post(
        f"/cases/{case_key}/decision",
        data={
            "csrf_token": csrf,
            "policy_id": "VT-THREAT",
            "violation": "yes",
            "rationale": "A clear threat, but I forgot to order anything.",
            "actions": ["no_action"],
        },
    )
    assert no_enforcement.status_code == 422 and "enforcement action" in no_enforcement.text
    done = client.post(
        f"/cases/{case_key}/decision",
        data={
            "csrf_token": csrf,
            "policy_id": "VT-THREAT",
            "violation": "yes",
            "rationale": "Explicit threat to kill more people, with a video of an attack.",
            "actions": ["suspend_account", "notify_reporter"],
            "message": "Thanks, we acted on your report.",
            "message_for": "notify_reporter",
        },
    )
    assert done.status_code == 200 and done.url.path == f"/cases/{case_key}"
    assert "Violation</strong> of VT-THREAT" in done.text
    assert "Thanks, we acted on your report." in done.text
    assert "1 report; of those decided, 1 upheld, 0 not" in done.text  # the reporter's record
    assert "case.decided" in done.text or "decision" in done.text
    api = client.get(f"/cases/{case_key}").text
    assert '<span class="status">resolved</span>' in api


def test_an_illegal_step_answers_a_page_naming_what_is_allowed(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    answer = client.post(
        f"/cases/{case_key}/transition", data={"csrf_token": csrf, "action": "close"}
    )
    assert answer.status_code == 409 and "allowed from" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_search_by_key_identifier_words_and_filters(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "viewer", "vic")
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    found = client.get("/search", params={"q": "KILL MORE"}).text
    assert case_key in found and "kill more people" in found  # the summary
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "vic")
    for q in (case_key, "owner1@example.org", "acct-1"):
        found = client.get("/search", params={"q": q}).text
        assert case_key in found, q
        # A graphic harm area: a viewer gets no summary (report text), and is told so.
        assert "kill more people" not in found and "withheld: graphic harm area" in found
    # Nor can a viewer find it by words of its report: that would tell them what it says.
    assert case_key not in client.get("/search", params={"q": "KILL MORE"}).text
    assert case_key not in client.get("/search", params={"q": "nothing like it"}).text
    assert case_key not in client.get("/search", params={"q": "100%_"}).text
    assert case_key in client.get("/search", params={"harm_area": "violence_threats"}).text
    bad = client.get("/search", params={"opened_from": "yesterday", "status": "lost"})
    assert bad.status_code == 422
    assert "not a date" in bad.text and "unknown status" in bad.text


def test_legal_places_and_releases_holds_others_do_not_see_them(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "legal", "lee")
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "lee")
    placed = client.post(
        f"/cases/{case_key}/holds",
        data={
            "csrf_token": csrf,
            "reason": "Preservation request 2026-117",
            "authority": "Met Police",
        },
    )
    assert "Preservation request 2026-117" in placed.text
    hold_page = client.get("/holds").text
    assert case_key in hold_page
    hold_id = re.search(r"/holds/(\d+)/release", hold_page).group(1)
    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "ana")
    assert "Preservation request" not in client.get(f"/cases/{case_key}").text
    assert client.get("/holds").status_code == 403
    assert client.post(f"/holds/{hold_id}/release", data={"csrf_token": csrf}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "lee")
    client.post(f"/holds/{hold_id}/release", data={"csrf_token": csrf})
    assert "No legal hold is in force" in client.get("/holds").text
    assert "legal_hold.released" in client.get(f"/cases/{case_key}").text


def test_only_admins_see_the_configuration(client: TestClient, make_user: MakeUser) -> None:
    person(make_user, "admin", "avery")
    person(make_user, "lead", "lena")
    sign_in(client, "lena")
    assert client.get("/admin").status_code == 403
    client.cookies.clear()
    sign_in(client, "avery")
    page = client.get("/admin").text
    assert "Taxonomy (version" in page and "life-safety" in page and "lena" in page
    assert "whsec_" not in page


def test_unknown_case_and_bad_ids_are_pages_not_tracebacks(
    client: TestClient, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    sign_in(client, "ana")
    missing = client.get("/cases/CASE-999999")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert client.get("/evidence/99999999999999999999/preview").status_code == 422
    assert client.get("/cases/nonsense").status_code == 404


def test_a_session_ends_after_two_idle_hours_and_the_worker_purges_it(
    client: TestClient, make_user: MakeUser, runtime: Runtime, clock: SettableClock
) -> None:
    person(make_user, "analyst", "ana")
    sign_in(client, "ana")
    clock.advance(timedelta(minutes=90))
    assert client.get("/my").status_code == 200  # still in use: the idle clock restarts
    clock.advance(timedelta(minutes=119))
    assert client.get("/my", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=2, minutes=1))
    assert client.get("/my", follow_redirects=False).status_code == 303
    with session_scope(runtime.sessions) as db:
        assert login_sessions.purge_expired(db, runtime.clock) == 1


def test_a_hostile_file_name_cannot_reach_the_headers(
    client: TestClient, make_user: MakeUser
) -> None:
    body = report_with_evidence(7)
    body["evidence"] = [dict(body["evidence"][0], filename='x"\r\nSet-Cookie: a=b.png')]  # type: ignore[index]
    intake = make_user("intake")
    key = client.post("/api/v1/reports", json=body, headers=intake.headers).json()["case"]
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    item = re.findall(r"/evidence/(\d+)/preview", client.get(f"/cases/{key}").text)[0]
    client.post(f"/cases/{key}/evidence/{item}/reveal", data={"csrf_token": csrf})
    served = client.get(f"/evidence/{item}/file")
    assert served.status_code == 200
    assert served.headers["content-disposition"] == 'inline; filename="x___Set-Cookie_ a_b.png"'
    assert "set-cookie" not in served.headers
    assert served.headers["content-security-policy"] == "sandbox; default-src 'none'"


def test_a_case_someone_else_holds_offers_no_buttons_but_a_lead_may_act(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "analyst", "bo")
    person(make_user, "lead", "lena")
    csrf = sign_in(client, "ana")
    client.post("/next", data={"csrf_token": csrf})
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "bo")
    page = client.get(f"/cases/{case_key}").text
    assert "ana holds this case" in page
    assert 'id="decision-form"' not in page and "Release to queue" not in page
    client.cookies.clear()
    sign_in(client, "lena")
    page = client.get(f"/cases/{case_key}").text
    assert 'id="decision-form"' in page and "Release to queue" in page


def test_a_queue_page_lists_its_waiting_cases_in_claim_order(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    floor_page = client.get("/floor").text
    queue = re.search(r'href="/queues/([a-z-]+)"', floor_page)
    assert queue is not None
    name = "violence-extremism"
    page = client.get(f"/queues/{name}").text
    assert case_key in page  # waiting (the default list)
    assert case_key not in client.get(f"/queues/{name}", params={"show": "worked"}).text
    taken = client.post("/next", data={"csrf_token": csrf, "queue": name}, follow_redirects=False)
    assert taken.headers["location"] == f"/cases/{case_key}#case"
    assert case_key not in client.get(f"/queues/{name}").text
    page = client.get(f"/queues/{name}", params={"show": "worked"}).text
    assert case_key in page and "ana" in page
    missing = client.get("/queues/nowhere")
    assert missing.status_code == 404 and "queues are:" in missing.text


def test_a_crafted_form_cannot_resolve_a_case_without_a_decision(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    client.post("/next", data={"csrf_token": csrf})
    for action in ("resolve", "triage", "explode"):
        answer = client.post(
            f"/cases/{case_key}/transition", data={"csrf_token": csrf, "action": action}
        )
        assert answer.status_code == 422 and "not an action people take" in answer.text
    assert '<span class="status">assigned</span>' in client.get(f"/cases/{case_key}").text
