"""`next` with analyst profiles: only cases they are qualified for, within their limits, and
no queue starved past its SLA. Through the API, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.auth import service as auth
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.queues import service as queues
from watchfloor.runtime import Runtime

SPAM = "lots of spam and fake followers"  # spam_manipulation, P3, queue general
SCAM = "this is a scam, fake giveaway"  # with category fraud_scams: P2, queue fraud-scams
THREAT = "he said he will beat you up"  # violence_threats (graphic area), P1
KILL = "he is going to kill her tonight"  # P0


def submit(client: TestClient, who: Person, n: int, text: str, **kw: object) -> str:
    r = client.post("/api/v1/reports", json=report(n, text=text, **kw), headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def set_profile(client: TestClient, lead: Person, who: Person, **fields: Any) -> dict[str, Any]:
    r = client.put(f"/api/v1/users/{who.username}/profile", json=fields, headers=lead.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def take(client: TestClient, who: Person, queue: str | None = None) -> str | None:
    path = f"/api/v1/queues/{queue}/next" if queue else "/api/v1/next"
    r = client.post(path, headers=who.headers)
    if r.status_code == 204:
        return None
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == who.username
    return str(r.json()["key"])


def test_profile_is_set_by_leads_validated_shown_and_audited(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    lead, analyst = make_user("lead"), make_user("analyst")
    me = client.get("/api/v1/auth/me", headers=analyst.headers).json()
    assert me["profile"]["skills"] == [] and me["profile"]["max_open_cases"] is None
    body = set_profile(
        client,
        lead,
        analyst,
        skills=["fraud_scams", "hate_harassment"],  # an area, and a taxonomy skill name
        languages=["EN", "pt"],
        region="EU",
        time_zone="Europe/Berlin",
        max_open_cases=5,
        graphic_daily_budget=10,
    )
    assert body["skills"] == ["fraud_scams", "hate", "harassment"]
    assert body["languages"] == ["en", "pt"] and body["time_zone"] == "Europe/Berlin"
    me = client.get("/api/v1/auth/me", headers=analyst.headers).json()
    assert me["username"] == analyst.username
    assert me["profile"]["max_open_cases"] == 5 and me["profile"]["open_cases"] == 0
    assert me["profile"]["graphic_cases_today"] == 0
    got = client.get(f"/api/v1/users/{analyst.username}/profile", headers=lead.headers)
    assert got.json()["graphic_daily_budget"] == 10
    # An analyst may not change their own (or anyone's) profile.
    r = client.put(f"/api/v1/users/{analyst.username}/profile", json={}, headers=analyst.headers)
    assert r.status_code == 403
    events = client.get(
        "/api/v1/audit",
        params={"object_id": analyst.username, "action": "user.profile_updated"},
        headers=lead.headers,
    ).json()
    events = events.get("events", events) if isinstance(events, dict) else events
    assert len(events) == 1
    assert events[0]["actor"] == f"user:{lead.username}"
    assert events[0]["after"]["max_open_cases"] == 5


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"skills": ["astrology"]}, "astrology"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"max_open_cases": 0}, "max_open_cases"),
        ({"graphic_daily_budget": -1}, "graphic_daily_budget"),
        ({"languages": ["english!"]}, "languages"),
        ({"skill": ["fraud_scams"]}, "skill"),
    ],
)
def test_bad_profile_is_422_naming_the_field(
    client: TestClient, make_user: Callable[..., Person], fields: dict[str, Any], named: str
) -> None:
    lead, analyst = make_user("lead"), make_user("analyst")
    r = client.put(f"/api/v1/users/{analyst.username}/profile", json=fields, headers=lead.headers)
    assert r.status_code == 422, r.text
    assert named in r.text


def test_profile_of_an_unknown_user_is_404(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    r = client.put("/api/v1/users/nobody/profile", json={}, headers=make_user("lead").headers)
    assert r.status_code == 404 and "nobody" in r.json()["detail"]


def test_next_gives_only_cases_the_analyst_is_qualified_for(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    fraud_en = submit(client, intake, 1, SCAM, category="fraud_scams", language="en")
    fraud_de = submit(client, intake, 2, SCAM, category="fraud_scams", language="de")
    fraud_pt_br = submit(client, intake, 3, SCAM, category="fraud_scams", language="pt-BR")
    fraud_any = submit(client, intake, 4, SCAM, category="fraud_scams", language=None)
    spam = submit(client, intake, 5, SPAM, language="en")
    specialist, generalist = make_user("analyst"), make_user("analyst")
    set_profile(client, lead, specialist, skills=["fraud_scams"], languages=["en", "pt"])
    # Nothing in the general queue is theirs, though a case waits there.
    assert take(client, specialist, "general") is None
    got = [take(client, specialist) for _ in range(4)]
    assert got == [fraud_en, fraud_pt_br, fraud_any, None]
    # No profile: as before profiles existed, any area and any language.
    assert [take(client, generalist) for _ in range(3)] == [fraud_de, spam, None]


def test_at_max_open_cases_next_is_409_naming_the_limit(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake, lead, analyst = make_user("intake"), make_user("lead"), make_user("analyst")
    for n in range(3):
        submit(client, intake, n, SPAM)
    set_profile(client, lead, analyst, max_open_cases=2)
    first, _ = take(client, analyst), take(client, analyst)
    for path in ("/api/v1/next", "/api/v1/queues/general/next"):
        r = client.post(path, headers=analyst.headers)
        assert r.status_code == 409, r.text
        assert "at most 2" in r.json()["detail"] and "max_open_cases" in r.json()["detail"]
        assert r.json()["limit"] == 2 and r.json()["open_cases"] == 2
    r = client.post(
        f"/api/v1/cases/{first}/transitions", json={"action": "release"}, headers=analyst.headers
    )
    assert r.status_code == 200, r.text
    assert take(client, analyst) is not None


def test_graphic_budget_is_per_day_in_the_analysts_time_zone(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    intake, lead, analyst = make_user("intake"), make_user("lead"), make_user("analyst")
    threat = submit(client, intake, 1, THREAT)
    graphic_spam = submit(
        client,
        intake,
        2,
        SPAM,
        evidence=[{"kind": "text", "text": "a gory picture", "sensitivity": "graphic"}],
    )
    clock.advance(timedelta(minutes=1))
    plain_spam = submit(client, intake, 3, SPAM)
    zone = "America/New_York"
    set_profile(client, lead, analyst, time_zone=zone, graphic_daily_budget=1)
    assert take(client, analyst) == threat  # graphic area: uses the day's budget
    me = client.get("/api/v1/auth/me", headers=analyst.headers).json()["profile"]
    assert me["graphic_cases_today"] == 1
    # The older spam has graphic evidence: skipped for today.
    assert take(client, analyst) == plain_spam
    assert take(client, analyst) is None
    # Just before midnight in New York the budget is still spent; just after, it is fresh.
    local = clock.now().astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
    clock.advance(midnight - clock.now() - timedelta(seconds=1))
    assert take(client, analyst) is None
    clock.advance(timedelta(seconds=2))
    assert take(client, analyst) == graphic_spam
    # A budget of 0: never a graphic case.
    other = make_user("analyst")
    set_profile(client, lead, other, graphic_daily_budget=0)
    submit(client, intake, 4, THREAT, subject={"kind": "account", "id": "another"})
    assert take(client, other) is None


def test_a_graphic_only_specialist_with_the_budget_spent_gets_nothing_else(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake, lead, analyst = make_user("intake"), make_user("lead"), make_user("analyst")
    first = submit(client, intake, 1, THREAT)
    submit(client, intake, 2, THREAT, subject={"kind": "account", "id": "another"})
    submit(client, intake, 3, SPAM)  # not among their skills
    set_profile(client, lead, analyst, skills=["violence_threats"], graphic_daily_budget=1)
    assert take(client, analyst) == first
    # Every skill is a graphic area and the budget is spent: nothing qualifies, nothing is taken.
    assert take(client, analyst) is None
    set_profile(client, lead, analyst, skills=["violence_threats", "spam_manipulation"])
    assert take(client, analyst) is not None


def test_a_case_near_its_deadline_comes_before_higher_priorities_not_yet_due(
    client: TestClient, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    intake, analyst = make_user("intake"), make_user("analyst")
    spam = submit(client, intake, 1, SPAM)  # P3 spam: first action due in 48 h (config/sla.yaml)
    clock.advance(timedelta(hours=47))
    fraud = submit(client, intake, 2, SCAM, category="fraud_scams")  # P2: due in 8 h
    # The spam is due in 1 h, beyond the 15-minute margin: priority decides.
    assert take(client, analyst) == fraud
    fraud_later = submit(client, intake, 3, SCAM, category="fraud_scams")
    clock.advance(timedelta(minutes=50))
    # Now the spam is due within the margin: it goes before the P2 that is not yet due…
    p0 = submit(client, intake, 4, KILL)
    # …but a fresh P0 (15-minute target) is due at once, and among due cases priority leads.
    assert [take(client, analyst) for _ in range(4)] == [p0, spam, fraud_later, None]


@pytest.mark.postgres_only
def test_concurrent_claimers_with_mixed_skills_get_every_case_exactly_once(
    runtime: Runtime, client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake, lead = make_user("intake"), make_user("lead")
    kinds = [
        (SCAM, "fraud_scams", "fraud_scams"),
        (SPAM, None, "spam_manipulation"),
        ("they keep insulting me with slurs", "harassment", "harassment"),
    ]
    batch = [
        report(
            i,
            text=kinds[i % 3][0],
            category=kinds[i % 3][1],
            language=("en", "de", None)[(i // 3) % 3],
            subject={"kind": "account", "id": f"a{i}"},
        )
        for i in range(150)
    ]
    r = client.post("/api/v1/reports/batch", json={"reports": batch}, headers=intake.headers)
    assert r.json()["cases_opened"] == 150
    skills = [["fraud_scams"], ["spam_manipulation"], ["harassment", "fraud_scams"], []]
    analysts = [make_user("analyst") for _ in range(20)]
    for i, a in enumerate(analysts):
        set_profile(client, lead, a, skills=skills[i % 4], languages=["en", "de"] if i % 2 else [])
    with session_scope(runtime.sessions) as session:
        users = [auth.get_or_raise(session, username=a.username) for a in analysts]
    got: dict[int, list[tuple[str, str]]] = {i: [] for i in range(len(users))}
    start = threading.Barrier(len(users))
    errors: list[BaseException] = []

    def claim_all(i: int) -> None:
        start.wait()
        try:
            while True:
                with session_scope(runtime.sessions) as session:
                    case = queues.claim_next(
                        session,
                        runtime.clock,
                        queues=runtime.config.queues,
                        queue=None,
                        analyst=users[i],
                        taxonomy=runtime.config.taxonomy,
                    )
                    if case is None:
                        return
                    got[i].append((case.key, case.harm_area))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    keys = [k for claims in got.values() for k, _ in claims]
    assert len(keys) == 150 and len(set(keys)) == 150, "a case was lost or claimed twice"
    for i, claims in got.items():
        if skills[i % 4]:
            assert {area for _, area in claims} <= set(skills[i % 4]), (i, claims)
    assert sum(1 for claims in got.values() if claims) > 4
