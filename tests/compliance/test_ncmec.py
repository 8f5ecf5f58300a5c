"""The CyberTipline packet through the API and the CLI, on SQLite and PostgreSQL: what it carries
for the filer, that it never carries the content (bytes, base64, graphic report text, data:
URLs) nor lets it into the logs or the audit log, that it starts the 2258A(h) preservation clock
once, and that it refuses cases without apparent child sexual exploitation."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import Person
from tests.factories import report
from watchfloor.audit.models import AuditEvent
from watchfloor.cli import app as cli
from watchfloor.clock import SettableClock
from watchfloor.compliance.ncmec import commands
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime

# Distinctive, so finding any of them anywhere is never a coincidence.
FILE_BYTES = b"\x89PNG\r\n\x1a\nNOT-A-REAL-IMAGE-bytes-7f3a9c-for-the-packet-test"
B64 = base64.b64encode(FILE_BYTES).decode()
GRAPHIC_TEXT = "selling folders of underage girls, dm for the link zq-graphic-phrase-41"
GROOMING_TEXT = (
    "you are so mature for 13, send me a picture zq-plain-phrase-77 data:image/png;base64,QUJD"
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DECIDE = {
    "policy_id": "CS-CSEM",
    "violation": True,
    "rationale": "Offers of exploitation material; account banned and reported.",
    "actions": [{"kind": "ban_account"}, {"kind": "report_to_ncmec"}],
}


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r, f"{r}.one") for r in ("intake", "analyst", "legal", "lead", "viewer")}


def csam_case(client: TestClient, people: dict[str, Person], *, decide: bool = True) -> str:
    """A child-safety case: a report with a graphic file (bytes stored) and one text-only report."""
    subject = {
        "kind": "account",
        "id": "acct-9001",
        "display_name": "night owl",
        "identifiers": [
            {"kind": "email", "value": "owl@example.com"},
            {"kind": "ip", "value": "203.0.113.7"},
        ],
    }
    first = report(
        1,
        text=GRAPHIC_TEXT,
        category="child_safety",
        subject=subject,
        evidence=[
            {
                "kind": "file",
                "content_base64": B64,
                "filename": "upload.png",
                "media_type": "image/png",
                "sensitivity": "graphic",
            }
        ],
        metadata={
            "uploaded_at": "2026-03-01T22:14:00Z",
            "upload_ip": "198.51.100.23",
            "publicly_available": False,
            "thumbnail": f"data:image/png;base64,{B64}",
        },
    )
    r = client.post("/api/v1/reports", json=first, headers=people["intake"].headers)
    assert r.status_code == 201, r.text
    key = str(r.json()["case"])
    second = report(2, text=GROOMING_TEXT, category="child_safety", subject=subject)
    r = client.post("/api/v1/reports", json=second, headers=people["intake"].headers)
    assert r.status_code == 201 and r.json()["case"] == key, r.text
    if decide:
        r = client.post(
            f"/api/v1/cases/{key}/decision", json=DECIDE, headers=people["analyst"].headers
        )
        assert r.status_code == 201, r.text
    return key


def no_content(text: str) -> None:
    """None of the content, in any form a leak would take."""
    for secret in (B64, GRAPHIC_TEXT, "zq-graphic-phrase-41", "data:", repr(FILE_BYTES)[2:40],
                   FILE_BYTES.hex()[:40], "NOT-A-REAL-IMAGE"):  # fmt: skip
        assert secret not in text, secret


def audit_events(runtime: Runtime, key: str, action: str) -> list[AuditEvent]:
    with session_scope(runtime.sessions) as s:
        found = list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_id == key, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )
        s.expunge_all()
        return found


def preservations(client: TestClient, who: Person, key: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/cases/{key}/obligations", headers=who.headers)
    assert r.status_code == 200, r.text
    return [o for o in r.json() if o["obligation"] == "us_2258a_preserve"]


def test_the_api_packet_carries_what_the_report_asks_and_never_the_content(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    people: dict[str, Person],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock.set(T0)
    key = csam_case(client, people)
    caplog.set_level(logging.DEBUG)
    r = client.post(f"/api/v1/cases/{key}/ncmec-packet", headers=people["legal"].headers)
    assert r.status_code == 200, r.text
    no_content(r.text)
    p = r.json()
    assert p["case"] == key and p["generated_by"] == "user:legal.one"
    assert p["incidentSummary"]["incidentType"].startswith("Child Pornography")
    assert p["incidentSummary"]["summary"] is None  # made from text whose evidence is graphic
    person = p["personOrUserReported"]
    assert person["espIdentifier"] == "acct-9001" and person["displayName"] == ["night owl"]
    assert person["email"] == ["owl@example.com"]
    ips = {c["ipAddress"]: c for c in person["ipCaptureEvent"]}
    assert ips["198.51.100.23"]["eventName"] == "Upload"
    assert ips["203.0.113.7"]["dateTime"] is None
    [f] = p["files"]
    assert {h["hashType"]: h["value"] for h in f["originalFileHash"]} == {
        "MD5": hashlib.md5(FILE_BYTES).hexdigest(),
        "SHA256": hashlib.sha256(FILE_BYTES).hexdigest(),
    }
    assert f["size_bytes"] == len(FILE_BYTES) and f["originalFileName"] == "upload.png"
    assert f["uploaded_at"] == "2026-03-01T22:14:00Z" and f["publiclyAvailable"] is False
    assert f["ipCaptureEvent"]["ipAddress"] == "198.51.100.23"
    assert f["fileViewedByEsp"] is None  # nobody revealed it in Watchfloor
    graphic, plain = p["reported_to_us_by"]
    assert graphic["text"] is None and "graphic" in graphic["text_withheld"]
    assert (
        plain["text"].startswith("you are so mature for 13")
        and "zq-plain-phrase-77" in plain["text"]
    )
    assert "[inline data URL removed]" in plain["text"]
    assert p["decisions"][-1]["policy_id"] == "CS-CSEM"
    assert "report_to_ncmec" in p["decisions"][-1]["actions"]
    assert any(t["event"] == "case.opened" for t in p["timeline"])
    todo = "\n".join(p["checklist"])
    assert "reportingPerson" in todo and "PhotoDNA" in todo and "fileViewedByEsp" in todo
    assert "when 203.0.113.7 was seen" in todo and "upload time" not in todo

    # The preservation clock: started once, for a year from now.
    assert p["preservation"]["note"] == "started by this packet"
    [held] = preservations(client, people["legal"], key)
    assert held["state"] == "running"
    assert datetime.fromisoformat(held["due_at"]).date() == datetime(2027, 3, 2).date()

    # Audited by digest, without content; the log line names the case, never the content.
    [event] = audit_events(runtime, key, "ncmec.packet_made")
    assert event.actor == "user:legal.one" and event.after is not None
    assert event.after["sha256"] == p["sha256"] and len(p["sha256"]) == 64
    no_content(json.dumps(event.after))
    made = [rec for rec in caplog.records if rec.getMessage() == "cybertip packet made"]
    assert [getattr(rec, "case", None) for rec in made] == [key]
    no_content(caplog.text + json.dumps([vars(rec) for rec in caplog.records], default=str))

    # Again: the clock already running is kept, and this packet is audited too.
    clock.advance(timedelta(hours=1))
    again = client.post(f"/api/v1/cases/{key}/ncmec-packet", headers=people["lead"].headers)
    assert again.status_code == 200, again.text
    assert again.json()["preservation"]["note"] == "already running"
    assert len(preservations(client, people["legal"], key)) == 1
    assert len(audit_events(runtime, key, "ncmec.packet_made")) == 2


def test_a_file_revealed_in_the_console_is_viewed_by_the_provider(
    client: TestClient, people: dict[str, Person]
) -> None:
    key = csam_case(client, people)
    case = client.get(f"/api/v1/cases/{key}", headers=people["legal"].headers).json()
    evidence_id = case["reports"][0]["evidence"][0]["id"]
    r = client.post(
        f"/api/v1/cases/{key}/evidence/{evidence_id}/reveal", headers=people["analyst"].headers
    )
    assert r.status_code in (200, 201), r.text
    p = client.post(f"/api/v1/cases/{key}/ncmec-packet", headers=people["legal"].headers).json()
    [f] = p["files"]
    assert f["fileViewedByEsp"] is True
    assert [v["by"] for v in f["viewed_in_watchfloor"]] == ["user:analyst.one"]


def test_refusals_name_the_problem_and_write_nothing(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    r = client.post("/api/v1/reports", json=report(5), headers=people["intake"].headers)
    spam = str(r.json()["case"])
    legal = people["legal"].headers
    r = client.post(f"/api/v1/cases/{spam}/ncmec-packet", headers=legal)
    assert r.status_code == 409, r.text
    assert "no apparent child sexual exploitation" in r.json()["detail"]
    assert preservations(client, people["legal"], spam) == []
    assert audit_events(runtime, spam, "ncmec.packet_made") == []
    r = client.post("/api/v1/cases/CASE-999999/ncmec-packet", headers=legal)
    assert r.status_code == 404 and "CASE-999999" in r.json()["detail"]
    r = client.post("/api/v1/cases/nonsense/ncmec-packet", headers=legal)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["path", "key"]
    for role in ("analyst", "viewer"):
        r = client.post(f"/api/v1/cases/{spam}/ncmec-packet", headers=people[role].headers)
        assert r.status_code == 403, r.text


def test_a_decision_reporting_to_ncmec_makes_any_case_eligible(
    client: TestClient, people: dict[str, Person]
) -> None:
    r = client.post("/api/v1/reports", json=report(6), headers=people["intake"].headers)
    key = str(r.json()["case"])
    assert r.json()["harm_area"] != "child_safety"
    r = client.post(f"/api/v1/cases/{key}/decision", json=DECIDE, headers=people["analyst"].headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/cases/{key}/ncmec-packet", headers=people["legal"].headers)
    assert r.status_code == 200, r.text
    assert "a decision ordered report_to_ncmec" in r.json()["why_reportable"]


@pytest.fixture
def cli_runtime(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The command runs on the test's database and settable clock."""
    monkeypatch.setattr(commands, "_runtime", lambda: runtime)
    return runtime


def test_the_cli_writes_the_packet_starts_the_clock_and_never_logs_content(
    client: TestClient,
    cli_runtime: Runtime,
    people: dict[str, Person],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = csam_case(client, people)
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "packets" / f"{key}.md"
    done = CliRunner().invoke(cli, ["ncmec", "packet", key, "--out", str(out), "--by", "lee"])
    assert done.exit_code == 0, done.output
    [event] = audit_events(cli_runtime, key, "ncmec.packet_made")
    assert event.actor == "cli:lee" and event.after is not None
    assert done.output.strip() == f"{out} sha256 {event.after['sha256']}"
    doc = out.read_text(encoding="utf-8")
    assert doc.startswith(f"# CyberTipline packet: {key}")
    assert (
        hashlib.sha256(FILE_BYTES).hexdigest() in doc and hashlib.md5(FILE_BYTES).hexdigest() in doc
    )
    assert "owl@example.com" in doc and "- [ ] " in doc and "zq-plain-phrase-77" in doc
    assert event.after["sha256"] in doc
    no_content(doc)
    no_content(caplog.text + json.dumps([vars(rec) for rec in caplog.records], default=str))
    assert any(rec.getMessage() == "cybertip packet made" for rec in caplog.records)
    assert len(preservations(client, people["legal"], key)) == 1

    done = CliRunner().invoke(cli, ["ncmec", "packet", key, "--format", "json"])
    assert done.exit_code == 0, done.output
    p = json.loads(done.output)
    assert p["preservation"]["note"] == "already running" and p["generated_by"].startswith("cli:")
    no_content(done.output)


def test_the_cli_refuses_in_one_line(
    client: TestClient, cli_runtime: Runtime, people: dict[str, Person], tmp_path: Path
) -> None:
    r = client.post("/api/v1/reports", json=report(7), headers=people["intake"].headers)
    spam = str(r.json()["case"])
    out = tmp_path / "p.md"
    for args, said in (
        ([spam], "no apparent child sexual exploitation"),
        (["CASE-999999"], "no case CASE-999999"),
        (["bogus"], "not a case key"),
        ([spam, "--format", "pdf"], "unknown format 'pdf'"),
    ):
        done = CliRunner().invoke(cli, ["ncmec", "packet", *args, "--out", str(out)])
        assert done.exit_code == 2, done.output
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and said in lines[0] and "Traceback" not in done.output
    assert not out.exists()
    assert audit_events(cli_runtime, spam, "ncmec.packet_made") == []
