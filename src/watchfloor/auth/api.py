"""Auth routes: exchange a password for a token, who am I, and user management."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, Role, can
from watchfloor.auth.schemas import (
    MeOut,
    ProfileIn,
    ProfileOut,
    TokenInfo,
    TokenOut,
    TokenRequest,
    UserCreate,
    Username,
    UserOut,
)
from watchfloor.clock import Clock
from watchfloor.deps import ClockDep, CurrentUser, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.queues import service as queues

router = APIRouter(prefix="/api/v1", tags=["auth"])
Admin = Annotated[User, Depends(require(Permission.USERS_MANAGE))]
ProfileManager = Annotated[User, Depends(require(Permission.PROFILES_MANAGE))]
TOKEN_TTL = timedelta(days=30)


@router.post(
    "/auth/token", response_model=TokenOut, status_code=201, responses=responses(401, 422, 429)
)
def issue_token(
    body: TokenRequest, request: Request, db: DbSession, clock: ClockDep
) -> TokenOut | JSONResponse:
    """Exchange a username and password for an API token that lasts 30 days.

    Guessing is slowed: 20 failures from one address in 15 minutes, or more than 5 for one
    account name (doubling waits, at most 5 minutes; not for an address its owner signed in
    from lately), answer 429 with Retry-After. Unknown names are answered exactly as known ones.
    """
    source = request.client.host if request.client else None
    user = auth.log_in(db, clock, username=body.username, password=body.password, source=source)
    if user is None:
        # Answered, not raised, so the failure count is committed with the request.
        return JSONResponse(
            {"detail": "wrong username or password", "code": "unauthenticated"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    plain, token = auth.issue_token(db, clock, user=user, name=body.name, ttl=TOKEN_TTL)
    return TokenOut(
        token=plain,
        name=token.name,
        username=user.username,
        role=Role(user.role),
        expires_at=token.expires_at,
    )


def profile_out(db: Session, clock: Clock, user: User) -> ProfileOut:
    """``user``'s routing profile with what it counts today."""
    fields = auth.profile_dict(auth.profile_of(db, user=user))
    return ProfileOut(
        username=user.username,
        **fields,
        open_cases=queues.open_cases(db, user=user),
        graphic_cases_today=queues.graphic_cases_today(
            db, clock, user=user, time_zone=fields["time_zone"]
        ),
    )


@router.get("/auth/me", response_model=MeOut, responses=responses(401))
def me(db: DbSession, clock: ClockDep, user: CurrentUser) -> MeOut:
    """The caller, with their routing profile (skills, languages, limits, today's counts)."""
    return MeOut(**UserOut.model_validate(user).model_dump(), profile=profile_out(db, clock, user))


@router.get("/auth/tokens", response_model=list[TokenInfo], responses=responses(401))
def my_tokens(db: DbSession, user: CurrentUser) -> list[TokenInfo]:
    """The caller's tokens, revoked ones included (each shown by its first characters)."""
    return [TokenInfo.model_validate(t) for t in auth.tokens_of(db, user=user)]


@router.delete("/auth/tokens/{prefix}", status_code=204, responses=responses(401, 404, 422))
def revoke_token(
    prefix: Annotated[str, Path(min_length=6, max_length=16)],
    db: DbSession,
    clock: ClockDep,
    user: CurrentUser,
) -> Response:
    """Revoke a token at once (a leaked one, say). Yours; an admin may revoke anyone's."""
    owner = None if can(user.role, Permission.USERS_MANAGE) else user
    auth.revoke_token(db, clock, prefix=prefix, owner=owner, actor=user)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], responses=responses(401, 403))
def list_users(db: DbSession, _admin: Admin) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in db.scalars(select(User).order_by(User.username))]


@router.post(
    "/users", response_model=UserOut, status_code=201, responses=responses(401, 403, 409, 422)
)
def create_user(body: UserCreate, db: DbSession, clock: ClockDep, admin: Admin) -> UserOut:
    user = auth.create(
        db,
        clock,
        username=body.username,
        role=body.role,
        display_name=body.display_name,
        password=body.password,
        actor=f"user:{admin.username}",
    )
    return UserOut.model_validate(user)


UsernamePath = Annotated[Username, Path(description="Whose profile")]


@router.get(
    "/users/{username}/profile", response_model=ProfileOut, responses=responses(401, 403, 404)
)
def get_profile(
    username: UsernamePath, db: DbSession, clock: ClockDep, _lead: ProfileManager
) -> ProfileOut:
    """A user's routing profile (no profile yet: no skills or languages set, no limits)."""
    return profile_out(db, clock, auth.get_or_raise(db, username=username))


@router.put(
    "/users/{username}/profile",
    response_model=ProfileOut,
    responses=responses(401, 403, 404, 422),
)
def put_profile(
    username: UsernamePath,
    body: ProfileIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    lead: ProfileManager,
) -> ProfileOut:
    """Replace a user's routing profile (an omitted field takes its default); audited."""
    user = auth.get_or_raise(db, username=username)
    auth.set_profile(
        db,
        clock,
        user=user,
        taxonomy=runtime.config.taxonomy,
        changes=body.model_dump(),
        actor=f"user:{lead.username}",
    )
    return profile_out(db, clock, user)


@router.post(
    "/users/{username}/deactivate", response_model=UserOut, responses=responses(401, 403, 404, 409)
)
def deactivate_user(
    username: Annotated[Username, Path(description="Who to deactivate")],
    db: DbSession,
    clock: ClockDep,
    admin: Admin,
) -> UserOut:
    """Deactivate a user at once: their API tokens are revoked, console sessions ended and signed
    page and calendar links refused; audited. The last active admin cannot be (409)."""
    user = auth.get_or_raise(db, username=username)
    auth.set_active(db, clock, user=user, active=False, actor=f"user:{admin.username}")
    return UserOut.model_validate(user)


@router.post(
    "/users/{username}/reactivate", response_model=UserOut, responses=responses(401, 403, 404)
)
def reactivate_user(
    username: Annotated[Username, Path(description="Who to reactivate")],
    db: DbSession,
    clock: ClockDep,
    admin: Admin,
) -> UserOut:
    """Let a deactivated user sign in again (their old tokens stay revoked); audited."""
    user = auth.get_or_raise(db, username=username)
    auth.set_active(db, clock, user=user, active=True, actor=f"user:{admin.username}")
    return UserOut.model_validate(user)
