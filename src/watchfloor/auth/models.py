"""People and machine clients, and the API tokens they authenticate with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    # Argon2id; None for machine clients that only ever use tokens.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # False: deactivated; their tokens, console sessions and signed links are refused.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is kept: tokens are 256-bit random, so a slow hash adds nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AnalystProfile(Base):
    """What an analyst may be routed: skills, languages and their limits. No row: no limits.

    ``skills`` are harm area ids and ``languages`` lower-case language tags; empty means any.
    ``graphic_daily_budget`` counts graphic cases handed out by ``next`` per day in ``time_zone``.
    """

    __tablename__ = "analyst_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skills: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    region: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    max_open_cases: Mapped[int | None]
    graphic_daily_budget: Mapped[int | None]
    updated_at: Mapped[datetime]


class LoginSession(Base):
    """A console sign-in: the cookie holds a random token, only its SHA-256 is kept here, so a
    leaked database cannot be replayed as cookies; signing out deletes the row at once."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The synchronizer token every console form and script request must send back.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A wrong password (or unknown name), kept for an hour: sign-in is throttled by counting
    these per source address and per account name, so no row is needed for a name to count and
    an unknown name is throttled exactly like a known one."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_source_at", "source", "at"),
        Index("ix_login_failures_account_at", "account", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class LoginSource(Base):
    """An address someone signed in to this account from: it is spared the account's backoff,
    so guessing from elsewhere cannot keep the owner out."""

    __tablename__ = "login_sources"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_success_at: Mapped[datetime]


class ConsolePreferences(Base):
    """How one person wants the console: the time zone it writes times in (None: their analyst
    profile's zone, else UTC), how strongly image previews are blurred and whether revealed images
    start in greyscale. No row: the defaults (see ``auth.preferences``)."""

    __tablename__ = "console_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str | None] = mapped_column(String(64))
    blur_strength: Mapped[int] = mapped_column(SmallInteger)
    start_greyscale: Mapped[bool]
    updated_at: Mapped[datetime]


class SavedView(Base):
    """A named query string of a console list page (a queue or search), saved by one person so
    they can come back to the same filters and order in one click."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Which page it belongs to: "search", or "queue:<name>".
    page: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]
