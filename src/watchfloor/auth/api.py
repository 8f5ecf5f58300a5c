"""Auth routes: exchange a password for a token, who am I, and user management."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, Role
from watchfloor.auth.schemas import TokenOut, TokenRequest, UserCreate, UserOut
from watchfloor.deps import ClockDep, CurrentUser, DbSession, require
from watchfloor.http_errors import responses

router = APIRouter(prefix="/api/v1", tags=["auth"])
Admin = Annotated[User, Depends(require(Permission.USERS_MANAGE))]
TOKEN_TTL = timedelta(days=30)


@router.post(
    "/auth/token", response_model=TokenOut, status_code=201, responses=responses(401, 422, 429)
)
def issue_token(body: TokenRequest, db: DbSession, clock: ClockDep) -> TokenOut | JSONResponse:
    """Exchange a username and password for an API token that lasts 30 days.

    Ten wrong passwords in a row lock the account for 15 minutes (429 with Retry-After).
    """
    user = auth.log_in(db, clock, username=body.username, password=body.password)
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


@router.get("/auth/me", response_model=UserOut, responses=responses(401))
def me(user: CurrentUser) -> UserOut:
    """The caller."""
    return UserOut.model_validate(user)


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
