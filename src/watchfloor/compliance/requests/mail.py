"""The legal inbox (the worker's ``legal-inbox`` job): request mails from a Maildir folder or an
IMAP mailbox become requests (form.py says which "Field: value" lines a form carries).

Each message is taken in its own transaction; only after that commits is the message marked
read (Maildir: the S flag in cur/; IMAP: \\Seen, then moved when a folder is named). A crash in
between leaves it unread: the next run reads it again and its Message-ID returns the request
already made. Mail bodies and the password are never logged; a message is named by its
Message-ID and the request it made.
"""

from __future__ import annotations

import imaplib
import logging
import mailbox
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session, sessionmaker

from watchfloor.clock import Clock
from watchfloor.compliance.requests import flows, form
from watchfloor.compliance.requests.service import request_key
from watchfloor.db import session_scope
from watchfloor.runtime import Config, Runtime

log = logging.getLogger("watchfloor.compliance.requests")
ACTOR = "system:legal-inbox"
SEEN = "S"
_FETCHED = re.compile(rb"BODY\[\]")


class Imap(Protocol):
    """The part of imaplib.IMAP4 the inbox uses (a fake with these signatures tests it)."""

    def login(self, user: str, password: str) -> tuple[str, Any]: ...
    def select(self, mailbox: str = ..., readonly: bool = ...) -> tuple[str, Any]: ...
    def uid(self, command: str, *args: str) -> tuple[str, Any]: ...
    def logout(self) -> tuple[str, Any]: ...


@dataclass(frozen=True)
class ImapInbox:
    host: str
    port: int
    security: Literal["ssl", "starttls"]
    user: str
    password: str
    folder: str = "INBOX"
    done_folder: str | None = None
    timeout: float = 30.0

    def __repr__(self) -> str:  # the password must never reach a log line or a traceback
        return f"ImapInbox(host={self.host!r}, port={self.port}, user={self.user!r}, ...)"


def take_in(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    raw: bytes,
) -> str:
    """One message as a request, in its own transaction (committed on return): its key."""
    mail = form.read_mail(raw)
    with session_scope(sessions) as session:
        row, created = flows.from_mail(
            session, clock, config=config, link_window=link_window, mail=mail, actor=ACTOR
        )
        key, status = request_key(row.id), row.status
    log.info(
        "legal mail taken in" if created else "legal mail seen before",
        extra={"message_id": mail.message_id, "request": key, "status": status},
    )
    return key


def read_maildir(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    path: Path,
    limit: int = 50,
) -> int:
    """Take in up to ``limit`` unread messages of the Maildir at ``path``; how many."""
    box = mailbox.Maildir(path, factory=None, create=False)
    done = 0
    for key in sorted(box.keys()):
        if done >= limit:
            break
        msg = box.get_message(key)
        if SEEN in msg.get_flags():
            continue
        with box.get_file(key) as fh:
            raw = fh.read()
        if not _taken(sessions, clock, config, link_window, raw, where=f"maildir {key}"):
            continue
        # Only now, after the commit: the request is stored, the message may be marked read.
        msg.set_subdir("cur")
        msg.add_flag(SEEN)
        box[key] = msg
        done += 1
    return done


def read_imap(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    inbox: ImapInbox,
    connect: Callable[[ImapInbox], Imap],
    limit: int = 50,
) -> int:
    """Take in up to ``limit`` unseen messages of the IMAP folder; how many."""
    done = 0
    with _session(inbox, connect) as imap:
        status, data = imap.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise RuntimeError(f"IMAP SEARCH answered {status}")
        uids = [u.decode() for chunk in data if isinstance(chunk, bytes) for u in chunk.split()]
        for uid in uids[:limit]:
            status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _fetched(parts)
            if status != "OK" or raw is None:
                log.warning("IMAP FETCH failed", extra={"uid": uid, "status": status})
                continue
            if not _taken(sessions, clock, config, link_window, raw, where=f"imap uid {uid}"):
                continue
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            if inbox.done_folder:
                imap.uid("MOVE", uid, inbox.done_folder)  # RFC 6851
            done += 1
    return done


def _taken(
    sessions: sessionmaker[Session],
    clock: Clock,
    config: Config,
    link_window: timedelta,
    raw: bytes,
    *,
    where: str,
) -> bool:
    """Take a message in; False (logged without its contents, left unread for the next run)
    when that fails, so one bad message does not hold back the others."""
    try:
        take_in(sessions, clock, config=config, link_window=link_window, raw=raw)
    except Exception:  # any failure leaves the message for the next run
        log.exception("legal mail not taken in; left unread", extra={"where": where})
        return False
    return True


def _fetched(parts: list[object]) -> bytes | None:
    """The message bytes of an IMAP FETCH answer: [(b'1 (UID 7 BODY[] {n}', raw), b')']."""
    for part in parts:
        if isinstance(part, tuple) and len(part) == 2 and _FETCHED.search(part[0]):
            return bytes(part[1])
    return None


@contextmanager
def _session(inbox: ImapInbox, connect: Callable[[ImapInbox], Imap]) -> Iterator[Imap]:
    imap = connect(inbox)
    try:
        imap.login(inbox.user, inbox.password)
        status, _ = imap.select(inbox.folder)
        if status != "OK":
            raise RuntimeError(f"IMAP folder {inbox.folder!r} cannot be selected")
        yield imap
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            imap.logout()


def connect_imap(inbox: ImapInbox) -> Imap:
    """A TLS connection: IMAP over TLS, or STARTTLS before anything else is said."""
    context = ssl.create_default_context()
    if inbox.security == "ssl":
        return imaplib.IMAP4_SSL(inbox.host, inbox.port, ssl_context=context, timeout=inbox.timeout)
    imap = imaplib.IMAP4(inbox.host, inbox.port, timeout=inbox.timeout)
    imap.starttls(ssl_context=context)
    return imap


def run(runtime: Runtime) -> int:
    """The worker's job: read the configured inboxes; nothing when none is configured."""
    s = runtime.settings
    done = 0
    if s.legal_inbox_maildir is not None:
        done += read_maildir(
            runtime.sessions,
            runtime.clock,
            config=runtime.config,
            link_window=s.link_window,
            path=s.legal_inbox_maildir,
        )
    if s.legal_inbox_imap_host:
        if not s.legal_inbox_imap_user or s.legal_inbox_imap_password is None:
            raise RuntimeError(
                "WATCHFLOOR_LEGAL_INBOX_IMAP_HOST is set: set WATCHFLOOR_LEGAL_INBOX_IMAP_USER "
                "and WATCHFLOOR_LEGAL_INBOX_IMAP_PASSWORD too"
            )
        inbox = ImapInbox(
            host=s.legal_inbox_imap_host,
            port=s.legal_inbox_imap_port,
            security=s.legal_inbox_imap_security,
            user=s.legal_inbox_imap_user,
            password=s.legal_inbox_imap_password.get_secret_value(),
            folder=s.legal_inbox_imap_folder,
            done_folder=s.legal_inbox_imap_done_folder,
        )
        done += read_imap(
            runtime.sessions,
            runtime.clock,
            config=runtime.config,
            link_window=s.link_window,
            inbox=inbox,
            connect=connect_imap,
        )
    return done
