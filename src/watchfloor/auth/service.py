"""Users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import throttle
from watchfloor.auth.models import AnalystProfile, ApiToken, LoginSession, User
from watchfloor.auth.permissions import Role
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound, TooManyAttempts
from watchfloor.triage.taxonomy import Taxonomy

TOKEN_PREFIX = "wf_"  # noqa: S105 - a prefix, not a secret
_hasher = PasswordHasher()
# Checked against when a username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("watchfloor-timing-equaliser")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_by_username(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.lower()))


def get_or_raise(session: Session, *, username: str) -> User:
    user = get_by_username(session, username=username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def get_active(session: Session, *, username: str) -> User | None:
    """The user named ``username`` if they exist and are active (a signed link's holder, say)."""
    user = get_by_username(session, username=username)
    return user if user is not None and user.is_active else None


def set_active(session: Session, clock: Clock, *, user: User, active: bool, actor: str) -> User:
    """Deactivate or reactivate ``user``; audited. Deactivating revokes their API tokens and
    ends their console sessions at once, so reactivating does not bring either back; the last
    active admin cannot be deactivated (Conflict), or no one could manage users again."""
    if user.is_active == active:
        return user
    now = clock.now()
    after: dict[str, Any] = {"is_active": active}
    if not active:
        if user.role == Role.ADMIN.value:
            # Locked, so two admins deactivating each other at once cannot both succeed.
            admins = session.scalars(
                select(User.id)
                .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
                .with_for_update()
            ).all()
            if list(admins) == [user.id]:
                raise Conflict(
                    f"{user.username} is the last active admin: make another user admin "
                    "before deactivating them"
                )
        revoked = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        ended = session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        after |= {
            "tokens_revoked": int(getattr(revoked, "rowcount", 0) or 0),
            "sessions_ended": int(getattr(ended, "rowcount", 0) or 0),
        }
    user.is_active = active
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="user.reactivated" if active else "user.deactivated",
        object_type="user",
        object_id=user.username,
        before={"is_active": not active},
        after=after,
    )
    return user


def create(
    session: Session,
    clock: Clock,
    *,
    username: str,
    role: Role,
    display_name: str | None = None,
    password: str | None = None,
    actor: str = "system:cli",
) -> User:
    """A new user; the username must be free."""
    username = username.lower()
    if get_by_username(session, username=username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=_hasher.hash(password) if password else None,
        is_active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="user.created",
        object_type="user",
        object_id=username,
        after={"role": role.value, "display_name": user.display_name},
    )
    return user


def _password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is this active user's. Unknown, inactive and password-less users are
    checked against a dummy hash, so every answer costs one Argon2 verification."""
    stored = user.password_hash if user and user.is_active and user.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def log_in(
    session: Session, clock: Clock, *, username: str, password: str, source: str | None
) -> User | None:
    """The user if the password is theirs, else None. ``source`` is the client's address.

    Guessing is slowed per source address and per account name (see ``throttle``); a refused
    attempt raises TooManyAttempts with Retry-After, and says the same whether the name exists.
    """
    now = clock.now()
    where, account = throttle.source_key(source), throttle.account_key(username)
    user = get_by_username(session, username=account)
    wait = throttle.wait(session, now, source=where, account=account, user=user)
    if wait is not None:
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {wait} s", headers={"Retry-After": str(wait)}
        )
    if _password_matches(user, password):
        assert user is not None
        throttle.record_success(session, now, user=user, source=where)
        return user
    failures = throttle.record_failure(session, now, source=where, account=account)
    if user is not None and failures == throttle.ACCOUNT_FREE:
        audit.record(
            session,
            at=now,
            actor="system:auth",
            action="user.sign_in_throttled",
            object_type="user",
            object_id=user.username,
            after={"failures": failures, "source": where},
        )
    return None


def issue_token(
    session: Session,
    clock: Clock,
    *,
    user: User,
    name: str = "api",
    ttl: timedelta | None = None,
) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:10],
        created_at=now,
        expires_at=now + ttl if ttl else None,
        revoked_at=None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=f"user:{user.username}",
        action="token.issued",
        object_type="user",
        object_id=user.username,
        after={"token": token.prefix, "name": name},
    )
    return plain, token


# Built once: every API request runs it, and building an ORM statement costs as much as running it.
_BY_TOKEN_HASH = (
    select(User, ApiToken)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def authenticate_token(session: Session, *, token: str, now: datetime) -> User | None:
    """The active user this bearer token belongs to, or None if it is unknown, revoked or expired."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(_BY_TOKEN_HASH, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    user, api_token = row
    if not user.is_active or api_token.revoked_at is not None:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    return user


def tokens_of(session: Session, *, user: User) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()


def revoke_token(
    session: Session, clock: Clock, *, prefix: str, owner: User | None, actor: User
) -> ApiToken:
    """Revoke the token starting with ``prefix``; only among ``owner``'s tokens unless None."""
    stmt = select(ApiToken).where(ApiToken.prefix == prefix)
    if owner is not None:
        stmt = stmt.where(ApiToken.user_id == owner.id)
    token = session.scalars(stmt).first()
    if token is None:
        raise NotFound(f"no token starting with {prefix!r}" + (" of yours" if owner else ""))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        holder = session.get(User, token.user_id)
        audit.record(
            session,
            at=token.revoked_at,
            actor=f"user:{actor.username}",
            action="token.revoked",
            object_type="user",
            object_id=holder.username if holder else str(token.user_id),
            after={"token": token.prefix, "name": token.name},
        )
    return token


PROFILE_FIELDS = (
    "skills",
    "languages",
    "region",
    "time_zone",
    "max_open_cases",
    "graphic_daily_budget",
)


def expand_skills(taxonomy: Taxonomy, skills: list[str]) -> list[str]:
    """Harm area ids for ``skills``: each a harm area id, or a taxonomy skill name standing for
    every area that needs it ('fraud' → fraud_scams). Invalid names the first unknown one."""
    areas: list[str] = []
    for i, skill in enumerate(skills):
        if skill in taxonomy.area_ids:
            found = [skill]
        else:
            found = [a.id for a in taxonomy.harm_areas if a.skill == skill]
        if not found:
            msg = f"unknown skill {skill!r}; skills are harm areas: {', '.join(taxonomy.area_ids)}"
            raise Invalid(msg, fields=[{"loc": ["body", "skills", i], "msg": msg}])
        areas += [a for a in found if a not in areas]
    return areas


def profile_of(session: Session, *, user: User) -> AnalystProfile | None:
    return session.get(AnalystProfile, user.id)


def profile_dict(profile: AnalystProfile | None) -> dict[str, Any]:
    """The profile's fields; no profile reads as the defaults (no skills, no limits)."""
    if profile is None:
        return {
            "skills": [],
            "languages": [],
            "region": None,
            "time_zone": "UTC",
            "max_open_cases": None,
            "graphic_daily_budget": None,
        }
    return {f: getattr(profile, f) for f in PROFILE_FIELDS}


def set_profile(
    session: Session,
    clock: Clock,
    *,
    user: User,
    taxonomy: Taxonomy,
    changes: dict[str, Any],
    actor: str,
) -> AnalystProfile:
    """Change ``user``'s routing profile: only the fields in ``changes``; audited."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise Invalid(f"unknown profile field(s): {', '.join(sorted(unknown))}")
    if "skills" in changes:
        changes = {**changes, "skills": expand_skills(taxonomy, list(changes["skills"]))}
    if "languages" in changes:
        langs = [str(x).lower() for x in changes["languages"]]
        changes = {**changes, "languages": list(dict.fromkeys(langs))}
    profile = profile_of(session, user=user)
    before = profile_dict(profile)
    if profile is None:
        profile = AnalystProfile(user_id=user.id, updated_at=clock.now(), **before)
        session.add(profile)
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.updated_at = clock.now()
    session.flush()
    after = profile_dict(profile)
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="user.profile_updated",
        object_type="user",
        object_id=user.username,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return profile


def list_users(session: Session) -> Sequence[User]:
    """Every user, by username (the admin page's list; other rooms read users through here)."""
    return session.scalars(select(User).order_by(User.username)).all()


def profiles_of(session: Session, *, user_ids: list[int]) -> dict[int, AnalystProfile]:
    """The routing profiles these people have (no row: no limits), by user id."""
    if not user_ids:
        return {}
    return {
        p.user_id: p
        for p in session.scalars(select(AnalystProfile).where(AnalystProfile.user_id.in_(user_ids)))
    }


def profile_for_update(session: Session, *, user_id: int) -> AnalystProfile | None:
    """The person's routing profile, locked: their claims take turns on it, so two at once cannot
    both pass the open-case limit or the graphic budget."""
    return session.scalar(
        select(AnalystProfile).where(AnalystProfile.user_id == user_id).with_for_update()
    )


def case_workers(session: Session) -> Sequence[User]:
    """Everyone active whose role works cases (analysts, leads, legal), by username."""
    return session.scalars(
        select(User)
        .where(User.is_active.is_(True), User.role.in_(["analyst", "lead", "legal"]))
        .order_by(User.username)
    ).all()
