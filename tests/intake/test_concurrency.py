"""Concurrent intake on PostgreSQL: one subject and harm never gets two open cases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import report
from watchfloor.cases.models import Case
from watchfloor.db import session_scope
from watchfloor.intake import flows
from watchfloor.intake.models import Report
from watchfloor.intake.schemas import ReportIn
from watchfloor.runtime import Runtime


@pytest.mark.postgres_only
def test_simultaneous_reports_about_one_subject_share_one_case(runtime: Runtime) -> None:
    subject = {"kind": "account", "id": "acct-rush"}
    # Twelve senders, each with the same report (a retry storm) and one of its own.
    same = ReportIn.model_validate(report(0, subject=subject))
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def send(n: int) -> None:
        own = ReportIn.model_validate(report(n + 1, subject=subject))
        start.wait()
        try:
            with session_scope(runtime.sessions) as session:
                flows.ingest(
                    session,
                    runtime.clock,
                    config=runtime.config,
                    link_window=timedelta(hours=72),
                    reports=[same, own],
                    actor="system:test",
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with session_scope(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).select_from(Report)) == 13
        case = session.scalars(select(Case)).one()
        assert case.report_count == 13
