"""Password guessing, slowed without letting anyone lock an account.

Two limits, counted from the failures of the last hour (rows, so every web process sees them and a
restart forgets nothing):

- per source address: at most SOURCE_LIMIT failures in a sliding SOURCE_WINDOW, whatever names
  were tried (IPv6 counts by /64, which one machine usually holds whole);
- per account name: after ACCOUNT_FREE failures, each next attempt waits twice as long as the one
  before, up to BACKOFF_MAX. Known and unknown names count alike, so the answers never tell
  which names exist; and an address the owner signed in from lately is spared this limit, so
  guesses from elsewhere slow the guessers, not the owner.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from watchfloor.auth.models import LoginFailure, LoginSource, User
from watchfloor.db import dialect_of

SOURCE_LIMIT = 20
SOURCE_WINDOW = timedelta(minutes=15)
ACCOUNT_FREE = 5
ACCOUNT_WINDOW = timedelta(hours=1)
BACKOFF_MAX = timedelta(minutes=5)
KNOWN_SOURCE_FOR = timedelta(days=30)
KEEP = max(SOURCE_WINDOW, ACCOUNT_WINDOW)


def source_key(host: str | None) -> str:
    """What a client address counts as: itself, or its /64 for IPv6."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_key(username: str) -> str:
    return username.strip().lower()[:64]


def backoff(failures: int) -> timedelta:
    """How long after its latest failure an account name with ``failures`` may be tried again."""
    if failures < ACCOUNT_FREE:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - ACCOUNT_FREE, 20)), BACKOFF_MAX)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def wait(
    session: Session, now: datetime, *, source: str, account: str, user: User | None
) -> int | None:
    """Seconds before this source may try this account, or None if it may now."""
    waits: list[timedelta] = []
    count, oldest = session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.source == source, LoginFailure.at > now - SOURCE_WINDOW
        )
    ).one()
    if count >= SOURCE_LIMIT:
        waits.append(oldest + SOURCE_WINDOW - now)
    count, latest = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.account == account, LoginFailure.at > now - ACCOUNT_WINDOW
        )
    ).one()
    if count and latest + backoff(count) > now and not _known(session, now, user, source):
        waits.append(latest + backoff(count) - now)
    return _seconds(max(waits)) if waits else None


def _known(session: Session, now: datetime, user: User | None, source: str) -> bool:
    if user is None:
        return False
    seen = session.scalar(
        select(LoginSource.last_success_at).where(
            LoginSource.user_id == user.id, LoginSource.source == source
        )
    )
    return seen is not None and seen > now - KNOWN_SOURCE_FOR


def record_failure(session: Session, now: datetime, *, source: str, account: str) -> int:
    """Count a failure; the account name's failures within the hour, this one included."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - KEEP))
    session.add(LoginFailure(source=source, account=account, at=now))
    session.flush()
    return (
        session.scalar(
            select(func.count()).where(
                LoginFailure.account == account, LoginFailure.at > now - ACCOUNT_WINDOW
            )
        )
        or 0
    )


def record_success(session: Session, now: datetime, *, user: User, source: str) -> None:
    """The owner is in: their name's failures are forgiven and this address becomes known.
    Failures from this address on other names still count against it."""
    session.execute(delete(LoginFailure).where(LoginFailure.account == user.username))
    insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    stmt = insert(LoginSource).values(user_id=user.id, source=source, last_success_at=now)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "source"], set_={"last_success_at": now}
        )
    )
