"""Console routes for signing in and out, and for exposure to graphic material today."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth import login_sessions
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Permission
from watchfloor.cases import assignment, exposure
from watchfloor.deps import ClockDep, DbSession
from watchfloor.errors import TooManyAttempts
from watchfloor.web.console import (
    COOKIE,
    Posted,
    SignedIn,
    Visitor,
    check_login_csrf,
    login_page,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    visitor_or_none,
)

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(
    request: Request,
    visitor: Annotated[Visitor | None, Depends(visitor_or_none)],
    next: str | None = None,
) -> Response:
    if visitor is not None:
        return redirect(safe_next(next))
    return login_page(request, next=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/floor",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the password (Argon2id; guessing is slowed per address and per account name)."""
    check_login_csrf(request, csrf_token)
    source = request.client.host if request.client else None
    refused: TooManyAttempts | None = None
    try:
        user = auth.log_in(db, clock, username=username.strip(), password=password, source=source)
    except TooManyAttempts as exc:
        user, refused = None, exc
    if user is None:
        page = login_page(
            request,
            status=429 if refused else 401,
            next=safe_next(next),
            username=username,
            problem=refused.message if refused else "Wrong username or password.",
        )
        page.headers.update(refused.headers if refused else {})
        return page
    token, _ = login_sessions.start(db, clock, user=user)
    response = redirect(safe_next(next))
    set_session_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(db: DbSession, clock: ClockDep, visitor: Posted) -> Response:
    login_sessions.end(db, clock, user=visitor.user, row=visitor.login)
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/exposure")
def exposure_page(
    request: Request, db: DbSession, clock: ClockDep, visitor: SignedIn
) -> HTMLResponse:
    """My exposure today; a lead also sees the team's, with the open cases each person holds."""
    team = exposure.team_exposure(db, clock) if visitor.can(Permission.EXPOSURE_TEAM) else None
    held = assignment.held_by(db, usernames=[e.username for e in team or []])
    return render(
        request,
        "exposure.html",
        visitor,
        mine=exposure.exposure_today(db, clock, user=visitor.user),
        team=team,
        held=held,
    )
