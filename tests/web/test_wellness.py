"""Wellness in the console through HTTP, as a browser uses it: each person's preferences form
(time zone, preview blur, greyscale start), previews drawn at the viewer's blur, revealed
images starting grey or in colour, today's exposure on the case page, and the daily budgets a
lead sets on /exposure, which `next` then honours. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.conftest import Person
from tests.web.console_client import PASSWORD, report_with_evidence, sign_in
from watchfloor.app import create_app
from watchfloor.audit import service as audit
from watchfloor.auth import preferences
from watchfloor.auth.models import User
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

MakeUser = Callable[..., Person]


def checkerboard_png() -> str:
    """A 64x64 red and white checkerboard, base64: it has edges, so a blur changes its pixels."""
    image = Image.new("RGB", (64, 64), (255, 255, 255))
    for x in range(64):
        for y in range(64):
            if (x // 8 + y // 8) % 2:
                image.putpixel((x, y), (230, 10, 10))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def case_key(client: TestClient, make_user: MakeUser) -> str:
    body = report_with_evidence()
    evidence = body["evidence"]
    assert isinstance(evidence, list)
    evidence[0]["content_base64"] = checkerboard_png()
    intake = make_user("intake")
    answer = client.post("/api/v1/reports", json=body, headers=intake.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case"])


def person(make_user: MakeUser, role: str, name: str | None = None) -> Person:
    return make_user(role, username=name or role, password=PASSWORD)


def save(client: TestClient, csrf: str, **fields: str) -> httpx.Response:
    return client.post("/preferences", data={"csrf_token": csrf, **fields}, follow_redirects=False)


def checked(page: str, name: str) -> list[str]:
    """The values of the checked inputs named ``name`` on ``page``."""
    return re.findall(rf'name="{name}" value="([^"]*)"[^>]*\bchecked\b', page)


def test_preferences_start_safe_and_a_person_changes_their_own(
    client: TestClient, runtime: Runtime, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "analyst", "bo")
    csrf = sign_in(client, "ana")
    page = client.get("/preferences").text
    assert '<a href="/preferences" aria-current="page">Preferences</a>' in page
    assert checked(page, "blur_strength") == ["16"] and checked(page, "start_greyscale") == ["yes"]
    for label in ("None", "Light", "Medium", "Strong", "Strongest"):
        assert f"> {label}</label>" in page

    answer = save(client, csrf, time_zone="Europe/Berlin", blur_strength="0")
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Your preferences are saved." in page
    assert checked(page, "blur_strength") == ["0"] and checked(page, "start_greyscale") == []
    assert 'value="Europe/Berlin"' in page
    with session_scope(runtime.sessions) as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
        ana = preferences.preferences_for(session, user_id=ids["ana"])
        bo = preferences.preferences_for(session, user_id=ids["bo"])
        trail = [e.action for e in audit.trail_of(session, object_id="ana")]
    assert (ana.time_zone, ana.blur_strength, ana.start_greyscale) == ("Europe/Berlin", 0, False)
    assert (bo.blur_strength, bo.start_greyscale) == (16, True)  # only their own
    assert "user.preferences_updated" in trail


def test_a_refused_preference_comes_back_on_the_form_as_typed_and_nothing_is_saved(
    client: TestClient, runtime: Runtime, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    answer = client.post(
        "/preferences",
        data={"csrf_token": csrf, "time_zone": "Europe/Atlantis", "blur_strength": "0"},
    )
    assert answer.status_code == 422
    assert "unknown time zone &#39;Europe/Atlantis&#39;" in answer.text
    assert 'value="Europe/Atlantis"' in answer.text and 'aria-invalid="true"' in answer.text
    assert checked(answer.text, "blur_strength") == ["0"]  # what they chose stays chosen
    weird = client.post("/preferences", data={"csrf_token": csrf, "blur_strength": "7"})
    assert weird.status_code == 422 and "blur strength must be one of" in weird.text
    with session_scope(runtime.sessions) as session:
        ana_id = session.scalar(select(User.id).where(User.username == "ana"))
        assert preferences.preferences_for(session, user_id=ana_id).blur_strength == 16
    # Without the form's token, nothing is even looked at.
    assert client.post("/preferences", data={"blur_strength": "0"}).status_code == 403
    client.cookies.clear()
    assert client.get("/preferences", follow_redirects=False).status_code == 303


def test_the_preview_is_blurred_as_the_viewer_chose_and_a_change_shows_at_once(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    page = client.get(f"/cases/{case_key}").text
    src = re.findall(r'src="(/evidence/\d+/preview[^"]*)"', page)
    assert src and src[0].endswith("?blur=16")
    strong = client.get(src[0])
    assert strong.headers["cache-control"] == "private, max-age=43200"
    tag = strong.headers["etag"]
    again = client.get(src[0], headers={"If-None-Match": tag})
    assert again.status_code == 304

    save(client, csrf, blur_strength="0", start_greyscale="yes")
    page = client.get(f"/cases/{case_key}").text
    plain_src = re.findall(r'src="(/evidence/\d+/preview[^"]*)"', page)[0]
    assert plain_src.endswith("?blur=0") and plain_src != src[0]  # a new URL: no stale cache
    plain = client.get(plain_src)
    assert plain.content != strong.content and plain.headers["etag"] != tag
    # A browser revalidating the old picture gets the new one, not "unchanged".
    stale = client.get(src[0], headers={"If-None-Match": tag})
    assert stale.status_code == 200 and stale.content == plain.content
    assert stale.headers["cache-control"] == "private, no-cache"
    # Unblurred keeps the checkerboard's hard edges; a strong blur smooths them to a grey mush.
    assert _contrast(plain.content) > 2 * _contrast(strong.content)
    assert Image.open(io.BytesIO(plain.content)).mode == "L"  # previews are always greyscale


def _contrast(jpeg: bytes) -> int:
    darkest, lightest = Image.open(io.BytesIO(jpeg)).getextrema()
    return int(lightest) - int(darkest)


def test_revealed_images_start_grey_or_in_colour_as_the_viewer_chose(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    csrf = sign_in(client, "ana")
    image_id = re.findall(r"/evidence/(\d+)/preview", client.get(f"/cases/{case_key}").text)[0]
    shown = client.post(
        f"/cases/{case_key}/evidence/{image_id}/reveal",
        headers={"X-CSRF-Token": csrf, "X-Requested-With": "watchfloor"},
    ).text
    assert 'class="grey" src="/evidence/' in shown and "Show in colour</button>" in shown

    save(client, csrf, blur_strength="16")  # greyscale box left unticked
    page = client.get(f"/cases/{case_key}").text
    assert f'class="grey colour" src="/evidence/{image_id}/file"' in page
    assert "Show in greyscale</button>" in page


def test_the_case_page_shows_my_exposure_today(
    client: TestClient, make_user: MakeUser, case_key: str
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "viewer", "vic")
    csrf = sign_in(client, "ana")
    page = client.get(f"/cases/{case_key}").text
    assert 'id="exposure-line">Exposure today: <strong>0</strong>' in page
    text_id = re.findall(r"/cases/[^/]+/evidence/(\d+)/reveal", page)[-1]
    client.post(f"/cases/{case_key}/evidence/{text_id}/reveal", data={"csrf_token": csrf})
    assert "Exposure today: <strong>1</strong>" in client.get(f"/cases/{case_key}").text
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "vic")  # sees no evidence, so has no exposure to show
    assert "exposure-line" not in client.get(f"/cases/{case_key}").text


def budget_form(page: str, username: str) -> str:
    found = re.search(rf'<input id="budget-{username}"[^>]*>', page)
    assert found, f"no budget field for {username}"
    return found.group(0)


def test_a_lead_sets_a_budget_on_the_exposure_page_and_next_honours_it(
    client: TestClient, runtime: Runtime, make_user: MakeUser, case_key: str
) -> None:
    ana = person(make_user, "analyst", "ana")
    person(make_user, "lead", "lena")
    csrf = sign_in(client, "lena")
    page = client.get("/exposure").text
    assert 'value=""' in budget_form(page, "ana")  # no limit yet
    answer = client.post(
        "/exposure/ana/budget", data={"csrf_token": csrf, "budget": "0"}, follow_redirects=False
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert 'value="0"' in budget_form(page, "ana")
    assert "daily budget is now 0." in page
    profile = client.get("/api/v1/users/ana/profile", headers=make_user("admin").headers).json()
    assert profile["graphic_daily_budget"] == 0
    with session_scope(runtime.sessions) as session:
        events = audit.trail_of(session, object_id="ana")
    assert [(e.actor, e.after) for e in events if e.action == "user.profile_updated"] == [
        ("user:lena", {"graphic_daily_budget": 0})
    ]

    # Ana's budget is 0: `next` hands her no graphic case, until the lead lifts the limit.
    with TestClient(create_app(runtime), raise_server_exceptions=False) as analyst:
        ana_csrf = sign_in(analyst, ana.username)
        refused = analyst.post("/next", data={"csrf_token": ana_csrf}, follow_redirects=False)
        assert refused.headers["location"] == "/my?note=none"
        lifted = client.post("/exposure/ana/budget", data={"csrf_token": csrf, "budget": " "})
        assert lifted.status_code == 200 and "daily budget is now unlimited." in lifted.text
        taken = analyst.post("/next", data={"csrf_token": ana_csrf}, follow_redirects=False)
        assert taken.headers["location"] == f"/cases/{case_key}#case"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("-3", "cannot be negative"),
        ("lots", "&#39;lots&#39; is not a whole number"),
        ("2.5", "is not a whole number"),
        ("5000", "5000 a day is no limit: use at most 1000"),
        ("99999999999999999999", "is not a whole number"),
    ],
)
def test_a_bad_budget_is_refused_with_a_clear_message_and_kept_as_typed(
    client: TestClient, make_user: MakeUser, typed: str, says: str
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "lead", "lena")
    csrf = sign_in(client, "lena")
    client.post("/exposure/ana/budget", data={"csrf_token": csrf, "budget": "12"})
    answer = client.post("/exposure/ana/budget", data={"csrf_token": csrf, "budget": typed})
    assert answer.status_code == 422
    assert "The budget for ana was not changed" in answer.text and says in answer.text
    field = budget_form(answer.text, "ana")
    assert f'value="{typed}"' in field and 'aria-invalid="true"' in field
    assert 'value="12"' in budget_form(client.get("/exposure").text, "ana")


def test_only_those_who_manage_profiles_see_or_post_budgets(
    client: TestClient, make_user: MakeUser
) -> None:
    person(make_user, "analyst", "ana")
    person(make_user, "lead", "lena")
    csrf = sign_in(client, "ana")
    assert "/budget" not in client.get("/exposure").text
    refused = client.post("/exposure/ana/budget", data={"csrf_token": csrf, "budget": "99"})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "lena")
    nobody = client.post("/exposure/nobody/budget", data={"csrf_token": csrf, "budget": "1"})
    assert nobody.status_code == 404
    assert client.post("/exposure/ana/budget", data={"budget": "1"}).status_code == 403
    assert 'value=""' in budget_form(client.get("/exposure").text, "ana")  # still no limit
