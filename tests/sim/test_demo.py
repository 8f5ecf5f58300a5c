"""The demo seeds a live-looking floor through the real services."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from watchfloor.audit import service as audit
from watchfloor.cases.models import Case
from watchfloor.db import session_scope
from watchfloor.intake.models import Report
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import seed_demo
from watchfloor.sim.demo_reports import generate_reports


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


def test_seed_once_then_only_print_logins(runtime: Runtime) -> None:
    first = seed_demo(runtime, reports=400)
    assert "Seeded 400 reports" in first and "password: watchfloor-demo" in first
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 400
        areas = set(s.scalars(select(Case.harm_area)))
        statuses = Counter(s.scalars(select(Case.status)))
        assert audit.verify(s).ok
    assert len(areas) >= 10
    assert statuses["resolved"] > 0 and statuses["triaged"] > 0
    second = seed_demo(runtime, reports=400)
    assert "Seeded" not in second and "wf_" in second
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 400
