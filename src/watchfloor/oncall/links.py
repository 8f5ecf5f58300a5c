"""Signed, expiring tokens for URLs that are opened without a login (pure).

Calendar apps cannot send a bearer header and a person woken by a page should not have to log in
to acknowledge it, so these URLs carry ``<subject>.<expires>.<HMAC-SHA256>`` keyed with the
server's secret. A token names who it was issued to; the API refuses it once that user is
deactivated, and every token stops working when WATCHFLOOR_SECRET_KEY is rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime


def _mac(secret: str, purpose: str, subject: str, who: str, expires: int) -> str:
    message = f"{purpose}\n{subject}\n{who}\n{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: str, *, purpose: str, subject: str, who: str, expires: datetime) -> str:
    """A token for ``purpose`` on ``subject`` (a page id, a schedule) issued to user ``who``."""
    stamp = int(expires.timestamp())
    who_b64 = base64.urlsafe_b64encode(who.encode()).decode().rstrip("=")
    return f"{who_b64}.{stamp}.{_mac(secret, purpose, subject, who, stamp)}"


class Expired(Exception):
    """The token is genuine but past its expiry."""


def verify(secret: str, token: str, *, purpose: str, subject: str, now: datetime) -> str | None:
    """The user a valid, unexpired token was issued to; None when forged; Expired when old."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    who_b64, stamp_text, mac = parts
    try:
        who = base64.urlsafe_b64decode(who_b64 + "=" * (-len(who_b64) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    stamp = int(stamp_text)
    if not hmac.compare_digest(mac, _mac(secret, purpose, subject, who, stamp)):
        return None
    if datetime.fromtimestamp(stamp, UTC) <= now:
        raise Expired(f"expired at {datetime.fromtimestamp(stamp, UTC).isoformat()}")
    return who
