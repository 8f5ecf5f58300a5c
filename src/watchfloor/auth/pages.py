"""Console routes for signing in and out, exposure to graphic material today (and the daily
budgets a lead sets), and each person's own preferences (time zone, blur, greyscale)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth import login_sessions
from watchfloor.auth import preferences as prefs
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Permission
from watchfloor.cases import assignment, exposure
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.errors import Invalid, TooManyAttempts
from watchfloor.web.console import (
    COOKIE,
    Posted,
    SignedIn,
    Visitor,
    check_login_csrf,
    login_page,
    posted_for,
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
    request: Request,
    db: DbSession,
    clock: ClockDep,
    visitor: SignedIn,
    budget_set: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """My exposure today; a lead also sees the team's, with the open cases each person holds."""
    return _exposure_page(request, db, clock, visitor, budget_set=budget_set)


def _exposure_page(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    visitor: Visitor,
    *,
    status: int = 200,
    budget_set: str = "",
    refused: tuple[str, str, str] | None = None,
) -> HTMLResponse:
    """The exposure page; ``refused`` is (username, what was typed, why) for a refused budget."""
    team = exposure.team_exposure(db, clock) if visitor.can(Permission.EXPOSURE_TEAM) else None
    held = assignment.held_by(db, usernames=[e.username for e in team or []])
    return render(
        request,
        "exposure.html",
        visitor,
        status=status,
        mine=exposure.exposure_today(db, clock, user=visitor.user),
        team=team,
        held=held,
        sets_budgets=visitor.can(Permission.PROFILES_MANAGE),
        budget_set=next((e for e in team or [] if e.username == budget_set), None),
        refused=refused,
    )


# As the profile API allows (auth.schemas.ProfileIn): more a day is no limit worth the name.
MOST_EXPOSURES_A_DAY = 1000


def budget_from_form(text: str) -> int | None:
    """A daily graphic budget as typed in the console: empty is no limit; else a whole number
    from 0 (no graphic work) to MOST_EXPOSURES_A_DAY. Invalid says what to type instead."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"-?[0-9]{1,9}", text):
        problem = f"{text!r} is not a whole number: type one like 20, or leave it empty"
    elif int(text) < 0:
        problem = f"a budget cannot be negative ({text}): 0 means no graphic work at all"
    elif int(text) > MOST_EXPOSURES_A_DAY:
        problem = f"{text} a day is no limit: use at most {MOST_EXPOSURES_A_DAY}, or leave it empty"
    else:
        return int(text)
    raise Invalid(problem, fields=[{"loc": ["body", "graphic_daily_budget"], "msg": problem}])


@router.post("/exposure/{username}/budget")
def set_budget(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Annotated[Visitor, posted_for(Permission.PROFILES_MANAGE)],
    username: Annotated[str, Path(max_length=64)],
    budget: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A lead sets one person's daily graphic budget (their routing profile; audited)."""
    person = auth.get_or_raise(db, username=username)
    try:
        value = budget_from_form(budget)
    except Invalid as exc:
        return _exposure_page(
            request, db, clock, visitor, status=422, refused=(username, budget, exc.message)
        )
    auth.set_profile(
        db,
        clock,
        user=person,
        taxonomy=runtime.config.taxonomy,
        changes={"graphic_daily_budget": value},
        actor=f"user:{visitor.username}",
    )
    return redirect(f"/exposure?budget_set={person.username}#team")


# How each blur strength reads on the preferences form, weakest first.
BLUR_LABELS = dict(
    zip(prefs.BLUR_STRENGTHS, ("None", "Light", "Medium", "Strong", "Strongest"), strict=True)
)


@router.get("/preferences")
def preferences_page(
    request: Request,
    db: DbSession,
    visitor: SignedIn,
    saved: Annotated[str, Query(max_length=8)] = "",
) -> HTMLResponse:
    """My own time zone, preview blur and greyscale start."""
    mine = prefs.preferences_for(db, user_id=visitor.user.id)
    form = {
        "time_zone": mine.chosen_time_zone or "",
        "blur_strength": mine.blur_strength,
        "start_greyscale": mine.start_greyscale,
    }
    return _preferences_page(request, db, visitor, form=form, saved=bool(saved))


def _preferences_page(
    request: Request,
    db: DbSession,
    visitor: Visitor,
    *,
    form: Mapping[str, object],
    status: int = 200,
    problems: dict[str, str] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    profile = auth.profile_of(db, user=visitor.user)
    return render(
        request,
        "preferences.html",
        visitor,
        status=status,
        form=form,
        problems=problems or {},
        saved=saved,
        blur_labels=BLUR_LABELS,
        default_zone=profile.time_zone if profile else "UTC",
    )


@router.post("/preferences")
def save_preferences(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    visitor: Posted,
    time_zone: Annotated[str, Form(max_length=200)] = "",
    blur_strength: Annotated[str, Form(max_length=20)] = "",
    start_greyscale: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Save my preferences; what the service refuses comes back on the form (422), as typed."""
    blur: int | str = int(blur_strength) if blur_strength.isdecimal() else blur_strength
    changes = {
        "time_zone": time_zone.strip() or None,
        "blur_strength": blur,
        "start_greyscale": bool(start_greyscale),
    }
    try:
        prefs.set_preferences(db, clock, user=visitor.user, changes=changes)
    except Invalid as exc:
        problems = {str(f["loc"][-1]): str(f["msg"]) for f in exc.fields}
        form = {**changes, "time_zone": time_zone}
        return _preferences_page(
            request, db, visitor, form=form, status=422, problems=problems or {"": exc.message}
        )
    return redirect("/preferences?saved=1")
