"""PII redaction where data leaves as a file, on both databases: the insights export through
the API is redacted for a role without pii:read (qa) and whole for one with it (admin); the
weekly report's data from the CLI is redacted unless --with-pii is given, and both choices are
audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from watchfloor.audit.models import AuditEvent
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.insights.weekly import week_label, week_start
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

# A partner's feed named after the account that sends it: an account id in a file's cells.
SOURCE = "partner:acct-4471"


def reported_today(client: TestClient, runtime: Runtime, make_user: Callable[..., Person]) -> None:
    intake = make_user("intake")
    r = client.post("/api/v1/reports", json=report(1, source=SOURCE), headers=intake.headers)
    assert r.status_code == 201, r.text
    assert next(j for j in JOBS if j.name == "insights-rollup").run(runtime) > 0


def test_the_api_export_is_redacted_without_pii_read(
    client: TestClient, runtime: Runtime, clock: SettableClock, make_user: Callable[..., Person]
) -> None:
    reported_today(client, runtime, make_user)
    day = clock.now().replace(hour=0, minute=0, second=0)
    span = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    qa, admin = make_user("qa"), make_user("admin")

    redacted = client.get("/api/v1/insights/export", params=span, headers=qa.headers)
    assert redacted.status_code == 200, redacted.text
    assert "acct-4471" not in redacted.text
    assert "volume_source,,partner:[account id],cases,1" in redacted.text

    whole = client.get("/api/v1/insights/export", params=span, headers=admin.headers)
    assert whole.status_code == 200, whole.text
    assert f"volume_source,,{SOURCE},cases,1" in whole.text
    # Only the cells with personal data differ.
    assert whole.text.replace(SOURCE, "partner:[account id]") == redacted.text


def test_the_cli_exports_redacted_unless_asked_and_audits_the_choice(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
    db_url: str,
    tmp_path: Path,
) -> None:
    reported_today(client, runtime, make_user)
    # The CLI reads the real clock; the test clock starts at the real time, in the same week
    # unless the test straddles midnight on a Sunday.
    label = week_label(week_start(None, now=clock.now() + timedelta(weeks=1)))
    plain, full = tmp_path / "plain", tmp_path / "full"
    done = run_cli(db_url, "report", "weekly", "--week", label, "-f", "csv", "--out", str(plain))
    assert done.returncode == 0, done.stderr
    text = (plain / f"watchfloor-data-{label}.csv").read_text(encoding="utf-8")
    assert "partner:[account id]" in text and "acct-4471" not in text

    done = run_cli(
        db_url, "report", "weekly", "--week", label, "-f", "csv", "--out", str(full), "--with-pii"
    )
    assert done.returncode == 0, done.stderr
    assert SOURCE in (full / f"watchfloor-data-{label}.csv").read_text(encoding="utf-8")

    with session_scope(runtime.sessions) as s:
        events = s.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.object_id)
            .where(AuditEvent.object_type == "export")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("export.redacted", "system:cli", label),
        ("export.with_pii", "system:cli", label),
    ]
