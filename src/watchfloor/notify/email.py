"""Email through the outbox: written with the change, sent over SMTP by the worker, retried.

Each message carries a Message-ID fixed when it is queued, so a resend after a crash between
sending and settling is recognisably the same message.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.notify.delivery import retry_delay
from watchfloor.notify.models import OutboxEmail
from watchfloor.settings import Settings


def enqueue_email(session: Session, clock: Clock, *, to: str, subject: str, body: str) -> str:
    """Queue one message in this transaction; returns its Message-ID."""
    now = clock.now()
    message_id = f"<{uuid.uuid4()}@watchfloor>"
    session.add(
        OutboxEmail(
            message_id=message_id,
            to=to,
            subject=subject[:300],
            body=body,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return message_id


@dataclass
class _Mail:
    id: int
    message: EmailMessage


def _lease(sessions: sessionmaker[Session], clock: Clock, settings: Settings) -> list[_Mail]:
    with session_scope(sessions) as session:
        now = clock.now()
        rows = session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.status == "pending",
                OutboxEmail.next_attempt_at <= now,
                or_(OutboxEmail.lease_until.is_(None), OutboxEmail.lease_until < now),
            )
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(50)
            .with_for_update(skip_locked=True)
        ).all()
        mails = []
        for row in rows:
            row.lease_until = now + timedelta(seconds=settings.smtp_timeout_seconds * 2 + 30)
            msg = EmailMessage()
            msg["From"] = settings.smtp_from
            msg["To"] = row.to
            msg["Subject"] = row.subject
            msg["Message-ID"] = row.message_id
            msg["Date"] = format_datetime(row.created_at)
            msg.set_content(row.body)
            mails.append(_Mail(row.id, msg))
        return mails


def _send(settings: Settings, mails: list[_Mail]) -> dict[int, str | None]:
    results: dict[int, str | None] = {}
    assert settings.smtp_host is not None
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                smtp.login(settings.smtp_user, password)
            for mail in mails:
                try:
                    smtp.send_message(mail.message)
                    results[mail.id] = None
                except smtplib.SMTPException as exc:
                    results[mail.id] = f"{type(exc).__name__}: {exc}"[:500]
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        for mail in mails:
            results.setdefault(mail.id, error)
    return results


def send_due_emails(sessions: sessionmaker[Session], clock: Clock, settings: Settings) -> int:
    """Send every queued email that is due; how many were attempted (0 when SMTP is not set up)."""
    if not settings.smtp_host:
        return 0
    mails = _lease(sessions, clock, settings)
    if not mails:
        return 0
    results = _send(settings, mails)
    with session_scope(sessions) as session:
        now = clock.now()
        for mail_id, error in results.items():
            row = session.get(OutboxEmail, mail_id, with_for_update=True)
            if row is None or row.status != "pending":
                continue
            row.attempts += 1
            row.lease_until = None
            row.last_error = error
            if error is None:
                row.status, row.sent_at = "sent", now
            elif row.attempts >= settings.webhook_max_attempts:
                row.status = "dead"
            else:
                row.next_attempt_at = now + retry_delay(
                    row.attempts,
                    base=settings.webhook_backoff_base_seconds,
                    cap=settings.webhook_backoff_max_seconds,
                )
    return len(mails)
