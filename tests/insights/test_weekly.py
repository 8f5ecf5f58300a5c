"""The weekly report as a user gets it: `watchfloor report weekly` writing HTML, PDF, CSV and
Parquet, the console's download, and the API's export, on both databases."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from tests.web.console_client import PASSWORD, sign_in
from watchfloor.clock import SettableClock
from watchfloor.errors import Invalid
from watchfloor.insights import export
from watchfloor.insights.weekly import week_label, week_start
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

SPAM = "This account keeps posting spam links to a fake giveaway."
DECIDE = {
    "policy_id": "FR-PHISHING",
    "violation": True,
    "rationale": "Phishing links sent to many users, confirmed against the policy.",
    "actions": [{"kind": "remove_content"}],
}


def test_weeks_are_iso_weeks_and_the_default_is_the_last_full_one() -> None:
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert week_start("2026-W48", now=monday + timedelta(days=20)) == monday
    assert week_label(monday) == "2026-W48"
    for now in (monday + timedelta(days=7), monday + timedelta(days=13, hours=23)):
        assert week_start(None, now=now) == monday  # Monday 00:00 to Sunday of the next week
    assert week_start("2026-W53", now=monday + timedelta(days=60)).isocalendar()[1] == 53
    for bad in ("2026-48", "2026-W54", "W48", "2026-W4", "2025-W53"):
        with pytest.raises(Invalid, match="not an ISO week"):
            week_start(bad, now=monday)
    with pytest.raises(Invalid, match="has not begun"):
        week_start("2026-W49", now=monday + timedelta(days=6))


def rollup(runtime: Runtime) -> int:
    return next(j for j in JOBS if j.name == "insights-rollup").run(runtime)


def a_week_with_a_spike(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> datetime:
    """Three quiet weeks (2 reports in one hour), then 16 in that hour of the last full week;
    two cases decided. Returns the week's Monday."""
    now = clock.now()
    monday = week_start(None, now=now)
    hour = monday + timedelta(days=1, hours=10)
    n = 0
    for weeks_before in (3, 2, 1):
        for minute in (10, 40):
            n += 1
            clock.set(hour - timedelta(weeks=weeks_before, minutes=-minute))
            r = client.post(
                "/api/v1/reports", json=report(n, text=SPAM), headers=people["intake"].headers
            )
            assert r.status_code == 201, r.text
    cases = []
    for minute in range(16):
        n += 1
        clock.set(hour + timedelta(minutes=2 + minute * 3))
        r = client.post(
            "/api/v1/reports", json=report(n, text=SPAM), headers=people["intake"].headers
        )
        assert r.status_code == 201, r.text
        cases.append(r.json()["case"])
    clock.set(hour + timedelta(hours=2))
    for key in cases[:2]:
        r = client.post(
            f"/api/v1/cases/{key}/decision", json=DECIDE, headers=people["analyst"].headers
        )
        assert r.status_code == 201, r.text
    clock.set(now)
    assert rollup(runtime) > 0
    return monday


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "analyst": make_user("analyst"),
        "lead": make_user("lead", "wk.lead", PASSWORD),
    }


def test_the_cli_writes_the_report_and_its_data_that_the_api_and_console_also_give(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    db_url: str,
    people: dict[str, Person],
    tmp_path: Path,
) -> None:
    monday = a_week_with_a_spike(client, runtime, clock, people)
    label = week_label(monday)
    out = tmp_path / "out"
    done = run_cli(
        db_url, "report", "weekly", "--out", str(out), "--format", "html,pdf,csv,parquet"
    )
    assert done.returncode == 0, done.stderr
    written = done.stdout.split()
    names = [f"watchfloor-report-{label}.html", f"watchfloor-report-{label}.pdf",
             f"watchfloor-data-{label}.csv", f"watchfloor-data-{label}.parquet"]  # fmt: skip
    assert written == [str(out / name) for name in names]
    html = (out / names[0]).read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>")
    assert f"Weekly report {label}" in html
    # The harm area's jump and the source's (all came in_app) are each one spike of the week.
    assert "2 volume spikes: " in html and "source in_app" in html
    for chart in ("chart-volume", "chart-sla", "chart-durations", "chart-decisions"):
        assert f'id="{chart}"' in html and f'id="{chart}-table"' in html
    # Self-contained: nothing to fetch (the only URLs are the SVG namespaces).
    for outside in ("<link", "<script", "src=", 'href="http', "url(http", "@import"):
        assert outside not in html, outside
    assert (out / names[1]).read_bytes().startswith(b"%PDF")

    csv_bytes = (out / names[2]).read_bytes()
    from_parquet = pq.read_table(out / names[3])
    from_csv = pacsv.read_csv(
        io.BytesIO(csv_bytes),
        convert_options=pacsv.ConvertOptions(column_types=export.SCHEMA, strings_can_be_null=True),
    )
    assert from_parquet.schema == export.SCHEMA
    assert from_parquet.equals(from_csv)
    rows = from_parquet.to_pylist()
    opened = sum(r["value"] for r in rows if r["table"] == "days" and r["measure"] == "opened")
    assert opened >= 1
    assert {"table": "decisions", "day": None, "group": "FR-PHISHING", "measure": "decisions",
            "value": 2.0} in rows  # fmt: skip

    # The API's export of the same week is the same data.
    span = {"from": monday.isoformat(), "to": (monday + timedelta(weeks=1)).isoformat()}
    lead = people["lead"]
    r = client.get("/api/v1/insights/export", params=span, headers=lead.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content == csv_bytes
    r = client.get(
        "/api/v1/insights/export", params={**span, "format": "parquet"}, headers=lead.headers
    )
    assert r.status_code == 200 and r.content.startswith(b"PAR1")
    assert pq.read_table(io.BytesIO(r.content)).equals(from_parquet)
    assert "attachment" in r.headers["content-disposition"]
    r = client.get(
        "/api/v1/insights/export", params={**span, "format": "xlsx"}, headers=lead.headers
    )
    assert r.status_code == 422 and "format" in r.text
    r = client.get(
        "/api/v1/insights/export", params={"from": "2026-11-01T00:00:00"}, headers=lead.headers
    )
    assert r.status_code == 422 and "UTC offset" in r.text

    # The console: the page of that week, and its downloads.
    sign_in(client, "wk.lead")
    page = client.get("/insights/report", params={"week": label})
    assert page.status_code == 200 and f"Weekly report {label}" in page.text
    assert f"/insights/report/download?week={label}&amp;format=pdf" in page.text
    assert "<style" not in page.text.split("<main")[1]  # the console's CSP allows none
    got = client.get("/insights/report/download", params={"week": label, "format": "pdf"})
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert got.headers["content-type"] == "application/pdf"
    got = client.get("/insights/report/download", params={"week": label, "format": "csv"})
    assert got.content == csv_bytes
    bad = client.get("/insights/report", params={"week": "2026-W60"})
    assert bad.status_code == 422 and "ISO week" in bad.text


def test_a_bad_week_or_format_is_one_line_and_exit_2(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    for args, said in (
        (("--week", "2026-W60"), "is not an ISO week"),
        (("--week", "2999-W01"), "has not begun"),
        (("--format", "html,docx"), "unknown docx"),
    ):
        done = run_cli(db_url, "report", "weekly", "--out", str(out), *args)
        assert done.returncode == 2, done.stderr
        assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
    assert not out.exists()
