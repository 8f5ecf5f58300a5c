"""Console sign-in sessions: started by a password, kept in the database, ended by signing out.

The cookie carries a 256-bit random token; the database keeps its SHA-256, like API tokens.
A session ends at the first of: signing out, ``idle`` without a request, or ``lifetime`` after
sign-in (a shift and a margin), so a console left open on a shared desk does not stay signed in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import LoginSession, User
from watchfloor.auth.service import hash_token
from watchfloor.clock import Clock

LIFETIME = timedelta(hours=12)
IDLE = timedelta(hours=2)
# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


def start(session: Session, clock: Clock, *, user: User) -> tuple[str, LoginSession]:
    """A new sign-in for ``user``: the cookie value to send, and the stored session."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        token_hash=hash_token(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(row)
    audit.record(
        session,
        at=now,
        actor=f"user:{user.username}",
        action="user.signed_in",
        object_type="user",
        object_id=user.username,
        after={"via": "console"},
    )
    return token, row


def lookup(session: Session, clock: Clock, *, token: str) -> tuple[User, LoginSession] | None:
    """The signed-in user and their session for a cookie value; None if it is unknown or over."""
    now = clock.now()
    found = session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    user, row = found
    if not user.is_active or row.expires_at <= now or row.last_seen_at + IDLE <= now:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return user, row


def end(session: Session, clock: Clock, *, user: User, row: LoginSession) -> None:
    """Sign out: the session is deleted, so its cookie stops working everywhere at once."""
    session.execute(delete(LoginSession).where(LoginSession.id == row.id))
    audit.record(
        session,
        at=clock.now(),
        actor=f"user:{user.username}",
        action="user.signed_out",
        object_type="user",
        object_id=user.username,
    )


def purge_expired(session: Session, clock: Clock) -> int:
    """Delete sessions past their lifetime or idle limit; how many went."""
    now = clock.now()
    result = session.execute(
        delete(LoginSession).where(
            (LoginSession.expires_at <= now) | (LoginSession.last_seen_at <= now - IDLE)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def seen_since(session: Session, *, since: datetime, now: datetime) -> set[int]:
    """Ids of the people with a console sign-in used at or after ``since`` and not expired at
    ``now``. The table holds only live sign-ins (the worker purges the rest), so it stays small."""
    return set(
        session.scalars(
            select(LoginSession.user_id)
            .where(LoginSession.last_seen_at >= since, LoginSession.expires_at > now)
            .distinct()
        )
    )


def purge_unused_since(session: Session, *, cutoff: datetime) -> int:
    """Delete sign-ins last used before ``cutoff`` (the retention job's period for sessions,
    whatever their own lifetime says). How many went."""
    result = session.execute(delete(LoginSession).where(LoginSession.last_seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
