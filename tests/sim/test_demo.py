"""The demo seeds a working shift through the real services: reports arrive through the day,
analysts take `next` and decide, the lead takes escalations and the hand-off, on-call answers
pages, and the floor at "now" has a backlog of tens with a few breaches, not hundreds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select

from tests.web.console_client import sign_in
from watchfloor.app import create_app
from watchfloor.audit import service as audit
from watchfloor.audit.models import AuditEvent
from watchfloor.cases.models import Case, CaseNote, Decision, GraphicExposure
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.incidents import service as incidents
from watchfloor.incidents import views
from watchfloor.intake.models import Report
from watchfloor.migrate import upgrade
from watchfloor.oncall.handoff_models import Handoff
from watchfloor.oncall.models import Page
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings
from watchfloor.sim.demo import DEMO_PASSWORD, seed_demo
from watchfloor.sim.demo_reports import generate_reports

OPEN = ("new", "triaged", "assigned", "in_review", "pending_info", "escalated")


def test_demo_reports_are_varied_and_deterministic() -> None:
    start, end = datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    reports = generate_reports(2000, start=start, end=end, seed=7)
    assert len(reports) == 2000
    assert [t for t, _ in reports] == sorted(t for t, _ in reports)
    assert all(start <= t <= end for t, _ in reports)
    assert len({r.text for _, r in reports}) > 1500
    assert len({r.reporter.kind for _, r in reports}) >= 5
    assert len({r.region for _, r in reports}) >= 5
    subjects = Counter((r.subject.kind, r.subject.id) for _, r in reports)
    assert sum(n for n in subjects.values() if n > 1) > 300  # repeat subjects link into cases
    again = generate_reports(2000, start=start, end=end, seed=7)
    assert [r.external_id for _, r in again] == [r.external_id for _, r in reports]


def _breached_open(session: object, now: datetime) -> int:
    """Open cases with a clock past due that is still running, or a breach recorded."""
    late = or_(
        Case.first_action_breached_at.is_not(None) & Case.first_action_at.is_(None),
        Case.resolve_breached_at.is_not(None),
        Case.sla_paused_at.is_(None)
        & or_(
            Case.first_action_at.is_(None) & (Case.first_action_due_at <= now),
            Case.resolve_due_at <= now,
        ),
    )
    query = select(func.count()).select_from(Case).where(Case.status.in_(OPEN), late)
    return int(session.scalar(query) or 0)  # type: ignore[attr-defined]


# "Now" for the seeded day: who is on shift, and so what waits, depends on the hour.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def seeded(runtime: Runtime) -> tuple[Runtime, str]:
    assert isinstance(runtime.clock, SettableClock)
    runtime.clock.set(NOW)
    return runtime, seed_demo(runtime, reports=400)


def test_the_demo_is_a_working_floor_not_an_abandoned_one(seeded: tuple[Runtime, str]) -> None:
    runtime, summary = seeded
    now = runtime.clock.now()
    assert "Seeded 400 reports" in summary and "password: watchfloor-demo" in summary
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 400
        statuses = Counter(s.scalars(select(Case.status)))
        open_cases = sum(statuses[st] for st in OPEN)
        breached = _breached_open(s, now)
        waiting = statuses["new"] + statuses["triaged"]
        held = s.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.assignee_id.is_not(None), Case.status.in_(OPEN))
        )
        rationales = list(s.scalars(select(Decision.rationale)))
        notes = s.scalar(select(func.count()).select_from(CaseNote))
        pages = Counter(s.scalars(select(Page.state)))
        handoffs = list(s.scalars(select(Handoff.note)))
        exposures = s.scalar(select(func.count()).select_from(GraphicExposure))
        actions = Counter(s.scalars(select(AuditEvent.action)))
        escalations = [
            e.after.get("note")
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "case.escalate"))
        ]
        areas = set(s.scalars(select(Case.harm_area)))
        assert audit.verify(s).ok
    # Worked through the day: most cases decided, each with its reasons.
    assert statuses["resolved"] > 0.6 * sum(statuses.values())
    assert len(rationales) == statuses["resolved"]
    assert all(len(r.strip()) > 20 for r in rationales)
    # A live floor at "now": tens waiting, cases in hand, a few breaches (the old demo, which
    # stopped deciding two hours before now, left 17 % of its open cases breached).
    assert 5 <= waiting < 100, statuses
    assert held and held >= 3
    # One breach is there by design: the Swahili threat nobody on the team reads, waiting three
    # hours, its lead paged by the coverage check (#21 item 6).
    unread = unread_case(runtime)
    assert unread.status == "triaged" and unread.assignee_id is None
    assert unread.first_action_due_at <= now
    assert "coverage-gap" in pages_about(runtime, unread.key)
    others = breached - 1
    assert others < 0.1 * open_cases and others < 30, (breached, open_cases)
    # What people do besides deciding.
    assert notes and notes >= 10
    assert escalations and all(reason and len(reason) > 20 for reason in escalations)
    assert actions["case.request_info"] > 0 and actions["case.info_received"] > 0
    assert actions["case.reassign"] >= 1
    assert pages["resolved"] > 0 and pages["acknowledged"] + pages["resolved"] > pages["triggered"]
    assert len(handoffs) == 1 and "waiting" in handoffs[0]
    assert exposures and actions["evidence.revealed"] > 0
    assert len(areas) >= 10
    # An active incident for the floor's banner: a scam campaign with its cases, roles and work.
    assert "Incident INC-0001 (a scam campaign) is active." in summary
    with session_scope(runtime.sessions) as s:
        room = views.detail(
            s, runtime.config.incidents, incidents.get_or_raise(s, key="INC-0001"), now
        )
    assert room.status == "active" and room.commander == "lena" and room.cases >= 5
    assert {r.role: r.user for r in room.roles}["legal"] == "lee"
    assert room.tasks_overdue == 1 and room.update_overdue  # SEV2: hourly, none sent yet


def test_every_console_page_shows_the_days_work(seeded: tuple[Runtime, str]) -> None:
    runtime, _ = seeded
    with session_scope(runtime.sessions) as s:
        decided = s.execute(select(Decision.case_id, Decision.rationale)).first()
        noted = s.execute(select(CaseNote.case_id, CaseNote.body)).first()
        assert decided and noted
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        sign_in(client, "lena", DEMO_PASSWORD)
        floor = client.get("/floor")
        assert floor.status_code == 200 and "Life safety" in floor.text
        for queue in runtime.config.queues.queues:
            page = client.get(f"/queues/{queue.name}?show=open")
            assert page.status_code == 200, queue.name
        assert "CASE-" in client.get("/queues/general?show=open").text
        case = client.get(f"/cases/CASE-{decided[0]:06d}")
        assert case.status_code == 200 and escape(decided[1]) in case.text
        assert escape(noted[1]) in client.get(f"/cases/CASE-{noted[0]:06d}").text
        my = client.get("/my")
        assert my.status_code == 200 and "CASE-" in my.text  # the lead holds cases
        exposure = client.get("/exposure")
        assert exposure.status_code == 200 and "priya" in exposure.text
        pages = client.get("/pages")
        assert pages.status_code == 200
        main = pages.text[pages.text.find("<main") :]
        assert "PAGE-" in main and "Acknowledged" in main, main[:2000]
        assert client.get("/handoff").status_code == 200


def _fingerprint(runtime: Runtime) -> list[tuple[object, ...]]:
    with session_scope(runtime.sessions) as s:
        return [
            tuple(row)
            for row in s.execute(
                select(Case.id, Case.status, Case.assignee_id, Case.priority).order_by(Case.id)
            )
        ]


def test_the_same_seed_gives_the_same_day(tmp_path: Path, sqlite_template: Path) -> None:
    """Deterministic for a seed and a "now": two fresh databases, the same day on each."""
    days = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.db"
        path.write_bytes(sqlite_template.read_bytes())
        settings = Settings(
            database_url=f"sqlite:///{path}",
            environment="test",
            triage_model_dir=tmp_path / "models",
        )
        runtime = Runtime.create(
            settings, clock=SettableClock(datetime(2026, 11, 25, 15, tzinfo=UTC))
        )
        upgrade(runtime.engine)
        summary = seed_demo(runtime, reports=150).splitlines()[0]
        days.append((summary, _fingerprint(runtime)))
        runtime.engine.dispose()
    assert days[0] == days[1]
    assert len(days[0][1]) > 100


def unread_case(runtime: Runtime) -> Case:
    """The demo's case nobody on the team reads (sim/demo.py nobody_reads_it)."""
    with session_scope(runtime.sessions) as s:
        found = s.scalars(select(Case).where(Case.language == "sw")).all()
        [case] = [c for c in found if "Swahili" in c.summary]
        return case


def pages_about(runtime: Runtime, case_key: str) -> list[str]:
    """What paged on-call about the case: the first part of each page's dedup key."""
    with session_scope(runtime.sessions) as s:
        keys = s.scalars(select(Page.dedup_key).where(Page.case_key == case_key)).all()
        return sorted(k.split(":")[0] for k in keys)
