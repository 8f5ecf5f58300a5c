"""The signed links a page's notifications carry: acknowledge and resolve without signing in.

Each link names its holder (a person on the rota, or "chat" for the shared channel), the page and
what it does, and expires after ``page_link_hours``; ``links`` signs and checks the tokens.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from watchfloor.errors import Forbidden, Unauthenticated
from watchfloor.oncall import links
from watchfloor.settings import Settings

# (the key in a notification, the token's purpose, the route's last path segment)
_ACTIONS = (("acknowledge", "ack", "ack"), ("resolve", "resolve", "resolve-link"))


def for_page(settings: Settings, *, page_id: int, who: str, at: datetime) -> dict[str, str]:
    """The acknowledge and resolve links of page ``page_id`` for ``who``, issued at ``at``."""
    expires = at + timedelta(hours=settings.page_link_hours)
    base = settings.public_url.rstrip("/")
    out = {}
    for action, purpose, path in _ACTIONS:
        token = links.sign(
            settings.secret_key,
            purpose=f"page-{purpose}",
            subject=str(page_id),
            who=who,
            expires=expires,
        )
        out[action] = f"{base}/api/v1/pages/{page_id}/{path}?token={token}"
    return out


def holder(secret_key: str, token: str, *, page_id: int, purpose: str, now: datetime) -> str:
    """The person a signed page link was issued to; 401 when forged, 403 when expired."""
    try:
        who = links.verify(
            secret_key, token, purpose=f"page-{purpose}", subject=str(page_id), now=now
        )
    except links.Expired as exc:
        raise Forbidden(f"this link has {exc}; acknowledge the page in Watchfloor") from exc
    if who is None:
        raise Unauthenticated("this link is not valid; acknowledge the page in Watchfloor")
    return who
