"""FastAPI dependencies every router uses: the runtime, a database session, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can, roles_with
from watchfloor.clock import Clock
from watchfloor.db import end_unit
from watchfloor.errors import Invalid
from watchfloor.runtime import Runtime

# Database ids are 64-bit; anything larger is a client error, not an overflow in the driver.
MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
BeforeId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="next_before of the previous page")
]


# Dependencies that do no I/O are async so they run on the event loop, not a worker thread.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_db(runtime: RuntimeDep) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, before the response.

    Async so that opening the session (no I/O) costs no thread hand-off; the commit or rollback
    runs in the threadpool like the route's own database work.
    """
    session = runtime.sessions()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(end_unit, session, commit=False)
        raise
    if session.in_transaction() or audit.has_pending(session):
        await run_in_threadpool(end_unit, session, commit=True)
    else:
        # Nothing begun (or the route ended its unit itself) and nothing to write: committing
        # would only begin an empty transaction (on SQLite, waiting for the write turn) in a
        # worker thread, to end it again.
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An API token: 'Authorization: Bearer wf_…'")


def current_user(
    db: DbSession,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller, from their bearer token; 401 when it is missing, unknown, revoked or expired."""
    if credentials is None:
        raise HTTPException(
            401,
            "authentication required: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = auth.authenticate_token(db, token=credentials.credentials, now=clock.now())
    if user is None:
        raise HTTPException(
            401,
            "the token is unknown, revoked or expired",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(permission: Permission) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets through only callers whose role holds ``permission``."""

    async def check(user: CurrentUser) -> User:
        if not can(user.role, permission):
            raise HTTPException(
                403,
                f"role {user.role!r} may not {permission.value}; "
                f"roles that may: {', '.join(roles_with(permission))}",
            )
        return user

    return check


async def time_window(
    clock: ClockDep,
    start: Annotated[
        datetime | None, Query(alias="from", description="With a UTC offset. Default: 28 days ago.")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="With a UTC offset. Default: now.")
    ] = None,
) -> tuple[datetime, datetime]:
    """``[from, to)`` of a report or table: the 28 days to now unless given; 422 naming the
    field when it has no offset, is reversed, or spans more than a year."""
    until = end or clock.now()
    since = start or until - timedelta(days=28)
    for name, value in (("from", since), ("to", until)):
        if value.tzinfo is None:
            raise Invalid(
                f"{name} needs a UTC offset, e.g. 2026-12-01T00:00:00Z",
                fields=[{"loc": ["query", name], "msg": "needs a UTC offset"}],
            )
    if since >= until:
        raise Invalid(
            "from must be before to", fields=[{"loc": ["query", "from"], "msg": "after to"}]
        )
    if until - since > timedelta(days=366):
        raise Invalid(
            "at most a year at a time", fields=[{"loc": ["query", "from"], "msg": "over a year"}]
        )
    return since, until


TimeWindow = Annotated[tuple[datetime, datetime], Depends(time_window)]
