"""The daily retention job on both databases, years passing on the settable clock: data past its
period is redacted or deleted through the owning rooms, a case under legal hold keeps everything
until the hold is released, an open case keeps everything, a second run the same day does
nothing, and the run log (API, console, audit) counts exactly what changed."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.compliance.conftest import TOKEN, FakeDatabase
from tests.conftest import Person
from tests.web.console_client import PASSWORD, csrf_of, sign_in
from watchfloor.audit.models import AuditEvent
from watchfloor.cases.models import CaseNote, Decision
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import SettableClock
from watchfloor.compliance.statements import service as sor_service
from watchfloor.compliance.statements.config import TransparencyConfig, load_transparency_config
from watchfloor.compliance.statements.models import StatementOfReasons
from watchfloor.compliance.statements.retention import FREE_TEXT
from watchfloor.db import session_scope
from watchfloor.intake.models import Evidence, EvidenceBlob, Report, Subject, SubjectIdentifier
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

CONFIG = Path(__file__).resolve().parents[2] / "config"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PLACEHOLDER = "[removed under the retention policy]"
RUNS = "/api/v1/compliance/retention/runs"
SHARED = b"the same screenshot, attached to two cases"
TEXT = "Scam DMs to my followers, he says call +44 20 7946 0958"
RATIONALE = "Phishing links sent to many users, confirmed against the policy."


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {
        "intake": make_user("intake"),
        "ana": make_user("analyst", "ana"),
        "lee": make_user("legal", "lee", PASSWORD),
        "vic": make_user("viewer", "vic"),
    }


@pytest.fixture
def mapping(database: FakeDatabase) -> TransparencyConfig:
    loaded = load_transparency_config(CONFIG / "transparency.yaml")
    endpoint = loaded.database.model_copy(update={"base_url": database.url})
    return loaded.model_copy(update={"database": endpoint})


def statement_of(runtime: Runtime, key: str) -> tuple[str, str, dict[str, Any]]:
    with session_scope(runtime.sessions) as s:
        found = s.scalars(
            select(StatementOfReasons).where(StatementOfReasons.case_id == parse_case_key(key))
        ).one()
        return found.state, found.user_text, dict(found.body)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def open_case(client: TestClient, intake: Person, n: int, *files: bytes) -> str:
    body: dict[str, Any] = {
        "source": "in_app",
        "external_id": f"ret-{n}",
        "text": f"{TEXT} (report {n})",
        "reporter": {"kind": "user", "id": f"reporter-{n}"},
        "subject": {
            "kind": "account",
            "id": f"acct-{n}",
            "display_name": f"Account {n}",
            "identifiers": [{"kind": "email", "value": f"owner{n}@example.org"}],
        },
        "region": "EU",
        "language": "en",
        "evidence": [{"kind": "text", "text": f"caption {n}"}]
        + [{"kind": "file", "content_base64": b64(f), "filename": "shot.png"} for f in files],
    }
    r = client.post("/api/v1/reports", json=body, headers=intake.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["case"])


def decide(client: TestClient, ana: Person, key: str) -> None:
    note = client.post(f"/api/v1/cases/{key}/notes", json={"body": "ask @ops"}, headers=ana.headers)
    assert note.status_code == 201, note.text
    decision = {"policy_id": "FR-PHISHING", "violation": True, "rationale": RATIONALE,
                "actions": [{"kind": "remove_content"}]}  # fmt: skip
    r = client.post(f"/api/v1/cases/{key}/decision", json=decision, headers=ana.headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "resolved"


def run_job(runtime: Runtime) -> int:
    return next(j for j in JOBS if j.name == "retention").run(runtime)


def state(runtime: Runtime, key: str) -> dict[str, Any]:
    """What is stored of one case, read straight from its tables."""
    case_id = parse_case_key(key)
    with session_scope(runtime.sessions) as s:
        reports = list(s.scalars(select(Report).where(Report.case_id == case_id)))
        report_ids = [r.id for r in reports]
        evidence = list(s.scalars(select(Evidence).where(Evidence.report_id.in_(report_ids))))
        files = [e.sha256 for e in evidence if e.kind == "file"]
        subject = s.get(Subject, reports[0].subject_id)
        assert subject is not None
        return {
            "texts": [r.text for r in reports],
            "reporters": [r.reporter_id for r in reports],
            "captions": [e.text for e in evidence if e.kind == "text"],
            "files_stored": s.scalar(
                select(func.count()).select_from(EvidenceBlob).where(EvidenceBlob.sha256.in_(files))
            ),
            "file_rows": len(files),
            "subject": subject.external_id,
            "identifiers": s.scalar(
                select(func.count())
                .select_from(SubjectIdentifier)
                .where(SubjectIdentifier.subject_id == subject.id)
            ),
            "rationales": list(
                s.scalars(select(Decision.rationale).where(Decision.case_id == case_id))
            ),
            "notes": list(s.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id))),
        }


def is_whole(found: dict[str, Any], n: int) -> bool:
    return (
        found["texts"] == [f"{TEXT} (report {n})"]
        and found["captions"] == [f"caption {n}"]
        and found["reporters"] == [f"reporter-{n}"]
        and found["subject"] == f"acct-{n}"
        and found["identifiers"] >= 1
        and found["files_stored"] == found["file_rows"] > 0
    )


def test_past_its_period_goes_held_and_open_cases_stay_and_the_log_counts_it(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    people: dict[str, Person],
    mapping: TransparencyConfig,
) -> None:
    clock.set(T0)
    mine, held, still_open = b"only on the old case", b"on the held case", SHARED
    old = open_case(client, people["intake"], 1, mine, SHARED)
    kept = open_case(client, people["intake"], 2, held)
    working = open_case(client, people["intake"], 3, still_open)
    decide(client, people["ana"], old)
    decide(client, people["ana"], kept)
    # Both decisions' statements of reasons go to the (local) Transparency Database.
    sor_service.work(runtime.sessions, runtime.clock, mapping=mapping, token=TOKEN)
    sent_state, _, sent_body = statement_of(runtime, old)
    assert sent_state == "submitted" and sent_body["decision_facts"] != PLACEHOLDER
    csrf = sign_in(client, "lee")
    placed = client.post(f"/cases/{kept}/holds",
                         data={"csrf_token": csrf, "reason": "Preservation request 2026-117"})  # fmt: skip
    assert placed.status_code == 200, placed.text

    before = {key: state(runtime, key) for key in (kept, working)}
    assert is_whole(before[kept], 2) and is_whole(before[working], 3)

    # The first run, on day one: nothing is past any period yet (the sign-in is minutes old).
    assert run_job(runtime) == 0
    assert run_job(runtime) == 0  # and a second the same day does not run at all
    runs = client.get(RUNS, headers=people["lee"].headers).json()
    assert len(runs) == 1 and set(runs[0]["counts"].values()) == {0}
    assert runs[0]["held_cases"] == 1

    # Two years and a day on: report text, evidence bytes, identifiers and notes are past their
    # periods; decision rationales (five years) are not.
    clock.set(T0 + timedelta(days=2 * 365 + 2))
    changed = run_job(runtime)
    gone = state(runtime, old)
    assert gone["texts"] == [PLACEHOLDER] and gone["captions"] == [PLACEHOLDER]
    assert gone["reporters"] == [None]
    assert gone["subject"].startswith("redacted-") and gone["identifiers"] == 0
    assert gone["notes"] == [PLACEHOLDER]
    assert gone["rationales"] == [RATIONALE]
    # Its own file went; the one an open case also holds is still stored.
    assert gone["file_rows"] == 2 and gone["files_stored"] == 1
    assert state(runtime, kept) == before[kept]
    assert state(runtime, working) == before[working]

    [latest, first] = client.get(RUNS, headers=people["lee"].headers).json()
    counts = latest["counts"]
    # One report, one caption and the case summary; one file; one subject; one reporter; one
    # note; lee's console sign-in, unused for two years.
    assert counts == {
        "report_text": 3,
        "evidence_files": 1,
        "subject_identifiers": 1,
        "reporter_identifiers": 1,
        "decision_rationales": 0,
        "case_notes": 1,
        "statements_of_reasons": 0,
        "outbox_deliveries": 0,
        "outbox_emails": 0,
        "sessions": 1,
    }
    assert changed == sum(counts.values()) == 8
    assert "audit_log" not in latest["cutoffs"]  # kept: nothing is done to it
    # Two calendar years before the run: a case resolved on T0 is two days past it.
    assert latest["cutoffs"]["report_text"] == "2026-01-07T09:00:00+00:00"
    assert latest["cutoffs"]["decision_rationales"] == "2023-01-07T09:00:00+00:00"
    assert latest["held_cases"] == 1
    with session_scope(runtime.sessions) as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "retention.ran")))
        assert [e.after["counts"] for e in events if e.after] == [first["counts"], counts]
        # The log holds counts, never what was removed.
        assert all(TEXT not in str(e.after) and "acct-1" not in str(e.after) for e in events)

    # The same day again: nothing more, and no new run.
    clock.advance(timedelta(hours=20))
    assert run_job(runtime) == 0
    assert len(client.get(RUNS, headers=people["lee"].headers).json()) == 2

    # Five years on, the rationale goes too; then the hold is released and the held case's
    # data follows at the next daily run.
    clock.set(T0 + timedelta(days=5 * 365 + 3))
    assert run_job(runtime) == 2
    assert state(runtime, old)["rationales"] == [PLACEHOLDER]
    five = client.get(RUNS, headers=people["lee"].headers).json()[0]["counts"]
    assert (five["decision_rationales"], five["statements_of_reasons"]) == (1, 1)
    # The statement keeps what the transparency report counts and loses its free text.
    after_state, after_text, after_body = statement_of(runtime, old)
    assert after_state == "submitted" and after_text == PLACEHOLDER
    assert after_body["decision_facts"] == PLACEHOLDER
    changed = {k for k in sent_body if after_body[k] != sent_body[k]}
    assert "decision_facts" in changed and changed <= set(FREE_TEXT)
    assert after_body["category"] == sent_body["category"]
    assert statement_of(runtime, kept)[1] != PLACEHOLDER
    assert state(runtime, kept) == before[kept]
    csrf = sign_in(client, "lee")
    holds_page = client.get("/holds").text
    hold_id = holds_page.split("/holds/")[1].split("/release")[0]
    released = client.post(f"/holds/{hold_id}/release", data={"csrf_token": csrf_of(holds_page)})
    assert released.status_code == 200, released.text
    clock.advance(timedelta(days=1))
    assert run_job(runtime) >= 1
    freed = state(runtime, kept)
    assert freed["texts"] == [PLACEHOLDER] and freed["files_stored"] == 0
    assert freed["rationales"] == [PLACEHOLDER] and freed["subject"].startswith("redacted-")
    assert statement_of(runtime, kept)[1] == PLACEHOLDER
    assert state(runtime, working) == before[working]  # open for five years: still in use


def test_the_run_log_is_for_legal_and_the_console_lists_it(
    client: TestClient, runtime: Runtime, clock: SettableClock, people: dict[str, Person]
) -> None:
    clock.set(T0)
    assert run_job(runtime) == 0
    for who in ("ana", "vic", "intake"):
        assert client.get(RUNS, headers=people[who].headers).status_code == 403
    assert client.get(RUNS, params={"limit": 0}, headers=people["lee"].headers).status_code == 422
    sign_in(client, "lee")
    page = client.get("/legal/retention")
    assert page.status_code == 200
    assert "2026-01-05" in page.text and "Nothing was past its period" in page.text
    assert "Report text" in page.text and "our own choice, for counsel to confirm" in page.text
