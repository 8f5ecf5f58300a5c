"""Nobody qualified on shift: a waiting P0/P1 case nobody on shift may take pages the lead on
shift once, before its first action is due. The rule alone, then through the API and the real
worker job, on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.app import create_app
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.errors import ConfigError
from watchfloor.notify.models import OutboxEvent
from watchfloor.oncall import coverage, coverage_gaps
from watchfloor.oncall import service as oncall
from watchfloor.oncall.config import load_oncall
from watchfloor.oncall.coverage import Needs, OnShift
from watchfloor.runtime import Runtime
from watchfloor.settings import DEFAULT_CONFIG_DIR, Settings
from watchfloor.worker import JOBS

SELF_HARM = "I am going to kill myself tonight"  # self_harm, P0, queue life-safety
SCAM = "this is a scam, fake giveaway"  # with category fraud_scams: P2
NINE = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)  # emea.ana on call; lead.noah leads the shift


# The rule alone.


def _needs(language: str | None = "de", area: str = "self_harm") -> Needs:
    due = datetime(2026, 1, 13, 8, 40, tzinfo=UTC)
    return Needs("CASE-000042", "P0", area, language, "life-safety", due)


def test_the_rule_follows_next_and_says_what_is_missing() -> None:
    english = OnShift("ana", skills=("self_harm",), languages=("en",))
    german_fraud = OnShift("ben", skills=("fraud_scams",), languages=("de",))
    found = coverage.gap(_needs(), [english, german_fraud])
    assert found is not None
    assert found.summary == (
        "P0 self_harm in German (CASE-000042): nobody on shift both reads de and holds "
        "self_harm (de: ben; self_harm: ana); first action due 08:40 UTC"
    )
    only_english = coverage.gap(_needs(), [english])
    assert only_english is not None and only_english.summary.startswith(
        "P0 self_harm in German (CASE-000042): nobody on shift reads de;"
    )
    neither = coverage.gap(_needs(), [OnShift("cat", ("fraud_scams",), ("en",))])
    assert neither is not None and "nobody on shift reads de or holds self_harm;" in neither.summary
    nobody = coverage.gap(_needs(), [])
    assert nobody is not None and "(CASE-000042): nobody is on shift;" in nobody.summary
    # Someone who may take it: no gap. No skills or no languages set means any, as for `next`;
    # 'de' reads 'de-AT'; a case without a language needs only the skill.
    assert coverage.gap(_needs(), [english, OnShift("dan", ("self_harm",), ("de",))]) is None
    assert coverage.gap(_needs(), [OnShift("eve")]) is None
    assert coverage.gap(_needs("de-AT"), [OnShift("fay", ("self_harm",), ("de",))]) is None
    assert coverage.gap(_needs(None), [english]) is None
    no_language = coverage.gap(_needs(None), [german_fraud])
    assert no_language is not None and "P0 self_harm (CASE-000042): nobody on shift holds" in (
        no_language.summary
    )


def test_a_coverage_rule_naming_an_unknown_schedule_is_refused_on_its_line(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "escalation.yaml"
    text = path.read_text().replace(
        "shift_schedules: [safety-primary]", "shift_schedules: [safety-primary, night-desk]"
    )
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "night-desk" in t)
    with pytest.raises(ConfigError) as refused:
        load_oncall(config)
    assert f"{path}:{line}: coverage.shift_schedules.1: unknown schedule 'night-desk'" in str(
        refused.value
    )


# Through the API and the worker.


@pytest.fixture
def at_nine(clock: SettableClock) -> SettableClock:
    clock.set(NINE)
    return clock


def _job(runtime: Runtime) -> int:
    [job] = [j for j in JOBS if j.name == "coverage-gaps"]
    return job.run(runtime)


def _submit(
    client: TestClient, floor: dict[str, Person], n: int, text: str, **kw: object
) -> dict[str, Any]:
    """Report through intake; the case it opened, as the lead reads it."""
    r = client.post(
        "/api/v1/reports", json=report(n, text=text, **kw), headers=floor["intake"].headers
    )
    assert r.status_code == 201, r.text
    case = client.get(f"/api/v1/cases/{r.json()['case']}", headers=floor["lead"].headers)
    body: dict[str, Any] = case.json()
    return body


def _profile(client: TestClient, lead: Person, username: str, **fields: Any) -> None:
    r = client.put(f"/api/v1/users/{username}/profile", json=fields, headers=lead.headers)
    assert r.status_code == 200, r.text


def _pages(client: TestClient, lead: Person) -> list[dict[str, Any]]:
    r = client.get("/api/v1/pages", headers=lead.headers)
    assert r.status_code == 200, r.text
    return list(r.json())


@pytest.fixture
def floor(
    client: TestClient, make_user: Callable[..., Person], at_nine: SettableClock
) -> dict[str, Person]:
    """emea.ana is on call on safety-primary at nine: an analyst who reads only English."""
    people = {
        "lead": make_user("lead"),
        "admin": make_user("admin"),
        "intake": make_user("intake"),
        "ana": make_user("analyst", "emea.ana"),
    }
    _profile(client, people["lead"], "emea.ana", skills=["self_harm"], languages=["en"])
    return people


def test_a_german_self_harm_p0_nobody_on_shift_reads_pages_the_lead_once_before_the_breach(
    client: TestClient, runtime: Runtime, floor: dict[str, Person], at_nine: SettableClock
) -> None:
    lead, admin = floor["lead"], floor["admin"]
    case = _submit(client, floor, 1, SELF_HARM, language="de")
    assert (case["priority"], case["harm_area"], case["language"]) == ("P0", "self_harm", "de")
    assert _job(runtime) == 1
    [page] = _pages(client, lead)
    assert page["case_key"] == case["key"] and page["severity"] == "P0"
    assert page["summary"] == (
        f"P0 self_harm in German ({case['key']}): nobody on shift reads de; "
        "first action due 09:15 UTC"
    )
    # The lead on shift: safety-secondary's on-call (the fallback's lead schedule).
    assert page["schedule"] == "safety-secondary" and page["paged"] == ["lead.noah"]
    due = datetime.fromisoformat(case["first_action_due_at"])
    assert datetime.fromisoformat(page["created_at"]) < due
    # The case keeps its queue, priority and status; nobody was assigned.
    after = client.get(f"/api/v1/cases/{case['key']}", headers=lead.headers).json()
    for field in ("queue", "priority", "status", "assignee", "first_action_due_at"):
        assert after[field] == case[field]
    audited = client.get(
        "/api/v1/audit",
        params={"object_id": case["key"], "action": "coverage.gap"},
        headers=admin.headers,
    ).json()
    assert [e["after"]["page"] for e in audited] == [page["key"]]
    assert audited[0]["after"]["on_shift"] == ["emea.ana"]
    with session_scope(runtime.sessions) as s:
        sent = list(
            s.scalars(select(OutboxEvent.payload).where(OutboxEvent.event_type == "coverage.gap"))
        )
    assert [e["case"] for e in sent] == [case["key"]]

    # The next run, and a run after the page is resolved: never a second page for the case.
    at_nine.advance(timedelta(minutes=1))
    assert _job(runtime) == 0
    r = client.post(f"/api/v1/pages/{page['id']}/resolve", headers=lead.headers)
    assert r.status_code == 200, r.text
    at_nine.advance(timedelta(minutes=1))
    assert _job(runtime) == 0
    assert len(_pages(client, lead)) == 1


def test_a_case_someone_on_shift_can_take_pages_nobody(
    client: TestClient, runtime: Runtime, floor: dict[str, Person], make_user: Callable[..., Person]
) -> None:
    lead = floor["lead"]
    # emea.ana (on the rota) reads English: an English self-harm P0 is hers to take.
    _submit(client, floor, 1, SELF_HARM, language="en")
    assert _job(runtime) == 0
    # A German one: an analyst who reads German and is signed in to the console can take it.
    make_user("analyst", "jonas", password=PASSWORD)
    _profile(client, lead, "jonas", skills=["self_harm"], languages=["de", "en"])
    with TestClient(create_app(runtime)) as console:
        sign_in(console, "jonas")
    _submit(client, floor, 2, SELF_HARM, language="de")
    assert _job(runtime) == 0
    assert _pages(client, lead) == []


def test_a_sign_in_counts_as_on_shift_only_while_recently_used(
    client: TestClient,
    runtime: Runtime,
    floor: dict[str, Person],
    make_user: Callable[..., Person],
    at_nine: SettableClock,
) -> None:
    make_user("analyst", "jonas", password=PASSWORD)
    make_user("qa", "quinn", password=PASSWORD)  # QA does not take cases: never on shift
    for name in ("jonas", "quinn"):
        with TestClient(create_app(runtime)) as console:
            sign_in(console, name)
    config = runtime.config.oncall
    with session_scope(runtime.sessions) as s:
        names = [p.username for p in coverage_gaps.on_shift(s, at_nine.now(), config)]
        assert names == ["emea.ana", "jonas"]
        later = at_nine.now() + timedelta(minutes=31)
        assert [p.username for p in coverage_gaps.on_shift(s, later, config)] == ["emea.ana"]


def test_p2_never_pages(client: TestClient, runtime: Runtime, floor: dict[str, Person]) -> None:
    case = _submit(client, floor, 1, SCAM, category="fraud_scams", language="de")
    assert case["priority"] == "P2"
    assert _job(runtime) == 0
    assert _pages(client, floor["lead"]) == []


def test_a_case_claimed_before_the_job_runs_pages_nobody(
    client: TestClient, runtime: Runtime, floor: dict[str, Person]
) -> None:
    lead = floor["lead"]
    case = _submit(client, floor, 1, SELF_HARM, language="de")
    with session_scope(runtime.sessions) as s:
        assert [
            g.needs.case_key
            for g in coverage_gaps.coverage_gaps(s, runtime.clock, runtime.config.oncall)
        ] == [case["key"]]
    r = client.post("/api/v1/next", headers=lead.headers)  # the lead has no profile: any case
    assert r.status_code == 200 and r.json()["key"] == case["key"], r.text
    assert _job(runtime) == 0
    assert _pages(client, lead) == []


@pytest.fixture
def no_lead_runtime(tmp_path: Path, db_url: str, clock: SettableClock) -> Iterator[Runtime]:
    """The shipped configuration with safety-secondary (the lead schedule) held only 09:00-17:00
    Dublin time: in the evening nobody is on it."""
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    doc = yaml.safe_load((config / "oncall.yaml").read_text())
    doc["schedules"]["safety-secondary"]["layers"][0]["hours"] = [
        {"start": "09:00", "end": "17:00"}
    ]
    (config / "oncall.yaml").write_text(yaml.safe_dump(doc))
    settings = Settings(
        database_url=db_url,
        environment="test",
        triage_model_dir=tmp_path / "models",
        config_dir=config,
    )
    rt = Runtime.create(settings, clock=clock)
    yield rt
    rt.engine.dispose()


def test_with_nobody_on_the_lead_schedule_the_catch_all_is_paged(
    no_lead_runtime: Runtime, clock: SettableClock
) -> None:
    clock.set(datetime(2026, 1, 13, 20, 0, tzinfo=UTC))  # 20:00 in Dublin
    runtime = no_lead_runtime
    with session_scope(runtime.sessions) as s:
        assert oncall.on_call(s, runtime.config.oncall, "safety-secondary", clock.now()) == []
    with TestClient(create_app(runtime)) as client:
        with session_scope(runtime.sessions) as s:
            intake = auth.create(s, clock, username="hub", role=Role.INTAKE)
            lead = auth.create(s, clock, username="lena", role=Role.LEAD)
            tokens = [auth.issue_token(s, clock, user=u)[0] for u in (intake, lead)]
        hub, lena = ({"Authorization": f"Bearer {t}"} for t in tokens)
        r = client.post(
            "/api/v1/reports", json=report(1, text=SELF_HARM, language="de"), headers=hub
        )
        assert r.status_code == 201, r.text
        assert _job(runtime) == 1
        [page] = client.get("/api/v1/pages", headers=lena).json()
    assert page["schedule"] == "safety-secondary" and page["paged"] == ["head.of.safety"]
    # Nobody with an account is on the rota or signed in: the page says so.
    assert page["summary"] == (
        f"P0 self_harm in German ({r.json()['case']}): nobody is on shift; "
        "first action due 20:15 UTC"
    )
