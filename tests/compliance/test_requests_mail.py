"""The legal inbox on both databases: request mails in a real local Maildir folder become
requests (the form read, attachments kept as name, size and sha256), a mail whose form cannot
be read becomes a request that needs classification with the reason, a message is marked read
only after its request is committed (a crash in between finds the same request again), and
bodies are never logged. IMAP is tested through a small fake with imaplib's method signatures
(no IMAP server is run): the same parsing and flow, \\Seen and MOVE after the commit."""

from __future__ import annotations

import hashlib
import logging
import mailbox
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Person
from watchfloor.clock import SettableClock
from watchfloor.compliance.requests import mail as inbox
from watchfloor.compliance.requests.models import LegalRequest
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.worker import JOBS

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4 the signed subpoena\n"
FORM = """Dear custodian of records,

please find our request below.

Request-Type: subpoena
Authority: Example County Sheriff
Person: Det. A. Jones
Phone: +1 555 0100
Country: US
Legal-Basis: Grand jury subpoena 26-GJ-0077
Scope: subscriber records and login IPs
Scope-Accounts: acct-77, acct-78
Scope-Data-Types: subscriber, ip_logs
Scope-From: 2026-06-01
Scope-To: 2026-08-31
Response-Due: 2026-09-20

Regards
"""
SECRET = "26-GJ-0077"


@pytest.fixture
def legal(make_user: Callable[..., Person]) -> Person:
    return make_user("legal", "legal.one")


@pytest.fixture
def at_t0(clock: SettableClock) -> SettableClock:
    clock.set(T0)
    return clock


def message(msg_id: str, body: str, *, attach: bytes | None = None) -> bytes:
    m = EmailMessage()
    m["From"] = "Det. A. Jones <a.jones@sheriff.example.gov>"
    m["To"] = "legal@platform.example"
    m["Subject"] = "Records request"
    m["Message-ID"] = msg_id
    m.set_content(body)
    if attach is not None:
        m.add_attachment(attach, maintype="application", subtype="pdf", filename="subpoena.pdf")
    return bytes(m)


def maildir(tmp_path: Path, *raws: bytes) -> Path:
    path = tmp_path / "legal-inbox"
    box = mailbox.Maildir(path, create=True)
    for raw in raws:
        box.add(mailbox.MaildirMessage(raw))
    return path


def requests_in(runtime: Runtime) -> list[LegalRequest]:
    with session_scope(runtime.sessions) as s:
        return list(s.scalars(select(LegalRequest).order_by(LegalRequest.id)).all())


def read(runtime: Runtime, path: Path) -> int:
    return inbox.read_maildir(
        runtime.sessions,
        runtime.clock,
        config=runtime.config,
        link_window=runtime.settings.link_window,
        path=path,
    )


def test_maildir_mails_become_requests_and_are_marked_read_after(
    runtime: Runtime,
    client: Any,
    legal: Person,
    at_t0: SettableClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = message("<req-1@sheriff.example.gov>", FORM, attach=PDF)
    garbled = message("<req-2@sheriff.example.gov>", "Please send everything about acct-9.")
    path = maildir(tmp_path, good, garbled)
    caplog.set_level(logging.DEBUG)

    assert read(runtime, path) == 2
    by_id = {r.external_id: r for r in requests_in(runtime)}
    first = by_id["<req-1@sheriff.example.gov>"]
    second = by_id["<req-2@sheriff.example.gov>"]
    assert (first.source, first.external_id) == ("legal:mail", "<req-1@sheriff.example.gov>")
    assert first.status == "open" and first.request_type == "us_subpoena"
    assert first.authority == "Example County Sheriff" and first.country == "US"
    assert first.email == "a.jones@sheriff.example.gov"  # the sender, when the form has none
    assert first.scope["accounts"] == ["acct-77", "acct-78"]
    assert (first.subject_kind, first.subject_id) == ("account", "acct-77")
    assert first.response_due_at == datetime(2026, 9, 20, tzinfo=UTC)
    assert first.attachments == [
        {"name": "subpoena.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    ]
    assert len(first.obligation_ids) == 1

    assert second.status == "needs_classification" and second.request_type is None
    assert second.classification_note is not None
    for field in ("Request-Type", "Legal-Basis", "Subject-Account"):
        assert field in second.classification_note, second.classification_note
    assert second.case_id is not None and second.obligation_ids == []
    listed = client.get("/api/v1/legal/requests", headers=legal.headers).json()
    assert {r["status"] for r in listed} == {"open", "needs_classification"}

    box = mailbox.Maildir(path, create=False)
    assert all("S" in box.get_message(k).get_flags() for k in box.iterkeys())
    assert read(runtime, path) == 0  # nothing unread is left
    assert len(requests_in(runtime)) == 2
    # Neither body nor attachment reached a log line.
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert SECRET not in logged and "acct-9" not in logged and "the signed" not in logged


def test_a_crash_between_commit_and_marking_finds_the_same_request(
    runtime: Runtime, at_t0: SettableClock, tmp_path: Path
) -> None:
    raw = message("<req-3@sheriff.example.gov>", FORM)
    path = maildir(tmp_path, raw)
    # The request committed, then the process died before the message was marked read.
    key = inbox.take_in(
        runtime.sessions,
        runtime.clock,
        config=runtime.config,
        link_window=runtime.settings.link_window,
        raw=raw,
    )
    box = mailbox.Maildir(path, create=False)
    [k] = box.keys()
    assert "S" not in box.get_message(k).get_flags()

    assert read(runtime, path) == 1
    [only] = requests_in(runtime)
    assert f"LR-{only.id:06d}" == key
    assert "S" in mailbox.Maildir(path, create=False).get_message(k).get_flags()


def test_the_job_does_nothing_without_an_inbox_and_reads_the_configured_one(
    runtime: Runtime, at_t0: SettableClock, tmp_path: Path
) -> None:
    job = next(j for j in JOBS if j.name == "legal-inbox")
    assert job.run(runtime) == 0
    runtime.settings.legal_inbox_maildir = maildir(
        tmp_path, message("<req-4@sheriff.example.gov>", FORM)
    )
    assert job.run(runtime) == 1
    assert job.run(runtime) == 0
    with session_scope(runtime.sessions) as s:
        assert s.scalar(select(func.count()).select_from(LegalRequest)) == 1


class FakeImap:
    """imaplib.IMAP4's methods the inbox calls, with their signatures, over a dict of messages."""

    def __init__(self, messages: dict[str, bytes], fail_store: bool = False) -> None:
        self.messages = messages
        self.seen: set[str] = set()
        self.moved: dict[str, str] = {}
        self.calls: list[tuple[str, ...]] = []
        self.logged_in: tuple[str, str] | None = None

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        self.logged_in = (user, password)
        return "OK", [b"LOGIN completed"]

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> tuple[str, list[bytes]]:
        self.calls.append(("SELECT", mailbox))
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command: str, *args: str) -> tuple[str, list[Any]]:
        self.calls.append((command, *args))
        if command == "SEARCH":
            unseen = [u for u in self.messages if u not in self.seen and u not in self.moved]
            return "OK", [" ".join(unseen).encode()]
        if command == "FETCH":
            uid = args[0]
            head = f"1 (UID {uid} BODY[] {{{len(self.messages[uid])}}}".encode()
            return "OK", [(head, self.messages[uid]), b")"]
        if command == "STORE":
            self.seen.add(args[0])
            return "OK", [b""]
        if command == "MOVE":
            self.moved[args[0]] = args[1]
            return "OK", [b""]
        return "NO", [b"unknown command"]

    def logout(self) -> tuple[str, list[bytes]]:
        self.calls.append(("LOGOUT",))
        return "BYE", [b""]


def test_imap_messages_are_taken_in_then_marked_seen_and_moved(
    runtime: Runtime, at_t0: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeImap(
        {
            "7": message("<req-5@sheriff.example.gov>", FORM),
            "8": message("<req-6@sheriff.example.gov>", "Call me about acct-9."),
        }
    )
    box = inbox.ImapInbox(
        host="imap.example",
        port=993,
        security="ssl",
        user="legal@platform.example",
        password="imap-password-never-logged",
        done_folder="Processed",
    )
    caplog.set_level(logging.DEBUG)
    done = inbox.read_imap(
        runtime.sessions,
        runtime.clock,
        config=runtime.config,
        link_window=runtime.settings.link_window,
        inbox=box,
        connect=lambda _: fake,
    )
    assert done == 2
    assert fake.logged_in == ("legal@platform.example", "imap-password-never-logged")
    assert fake.seen == {"7", "8"} and fake.moved == {"7": "Processed", "8": "Processed"}
    # The body is fetched without setting \\Seen; Seen is stored only after the commit.
    assert ("FETCH", "7", "(BODY.PEEK[])") in fake.calls
    assert fake.calls.index(("STORE", "7", "+FLAGS", "(\\Seen)")) > fake.calls.index(
        ("FETCH", "7", "(BODY.PEEK[])")
    )
    assert fake.calls[-1] == ("LOGOUT",)
    statuses = [(r.external_id, r.status) for r in requests_in(runtime)]
    assert statuses == [
        ("<req-5@sheriff.example.gov>", "open"),
        ("<req-6@sheriff.example.gov>", "needs_classification"),
    ]
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "imap-password-never-logged" not in logged and "imap-password" not in repr(box)
    assert SECRET not in logged


def test_an_imap_message_that_fails_is_left_unseen_for_the_next_run(
    runtime: Runtime, at_t0: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeImap({"9": message("<req-7@sheriff.example.gov>", FORM)})
    box = inbox.ImapInbox(
        host="imap.example", port=143, security="starttls", user="u", password="p"
    )

    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("database went away")

    kwargs: dict[str, Any] = {
        "config": runtime.config,
        "link_window": runtime.settings.link_window,
        "inbox": box,
        "connect": lambda _: fake,
    }
    with monkeypatch.context() as m:
        m.setattr(inbox, "take_in", broken)
        assert inbox.read_imap(runtime.sessions, runtime.clock, **kwargs) == 0
    assert fake.seen == set() and requests_in(runtime) == []
    assert inbox.read_imap(runtime.sessions, runtime.clock, **kwargs) == 1
    assert fake.seen == {"9"} and len(requests_in(runtime)) == 1


def test_a_request_that_needs_classification_is_classified_and_its_clock_starts(
    runtime: Runtime, client: Any, legal: Person, at_t0: SettableClock, tmp_path: Path
) -> None:
    path = maildir(tmp_path, message("<req-8@sheriff.example.gov>", "Send all on acct-9."))
    assert read(runtime, path) == 1
    [row] = requests_in(runtime)
    assert row.status == "needs_classification"
    at_t0.set(datetime(2026, 9, 3, 9, 0, tzinfo=UTC))  # classified two days after it came
    url = f"/api/v1/legal/requests/{row.id}/classification"
    body = {
        "request_type": "us_warrant",
        "requester": {"authority": "Example County Sheriff", "country": "US"},
        "legal_basis": "Search warrant 26-SW-12",
        "subject": {"kind": "account", "id": "acct-9"},
        "response_due_at": "2026-09-10T00:00:00Z",
    }
    wrong = client.post(url, json={**body, "request_type": "letter"}, headers=legal.headers)
    assert wrong.status_code == 422, wrong.text
    r = client.post(url, json=body, headers=legal.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "open" and out["request_type"] == "us_warrant"
    [ob] = out["obligations"]
    # The clock runs from when the mail arrived, not from when someone read it.
    assert ob["obligation"] == "us_legal_process" and ob["started_at"].startswith("2026-09-01")
    assert client.post(url, json=body, headers=legal.headers).status_code == 409
