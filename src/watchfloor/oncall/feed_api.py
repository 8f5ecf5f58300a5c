"""On-call calendar feeds: signed URLs for a schedule's or one person's shifts, and the RFC 5545
calendars those URLs serve to calendar apps without a login."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.errors import Forbidden, Unauthenticated
from watchfloor.http_errors import responses
from watchfloor.oncall import links
from watchfloor.oncall import service as oncall
from watchfloor.oncall.schemas import FeedOut

router = APIRouter(tags=["on-call"])
Reader = Annotated[User, Depends(require(Permission.ONCALL_READ))]
Weeks = Annotated[int, Query(ge=1, le=26)]


def _signed_feed(
    runtime: RuntimeDep, clock: ClockDep, purpose: str, subject: str, user: User, path: str
) -> FeedOut:
    """The public URL of ``path`` with a token signed for ``user`` (``purpose`` of ``subject``),
    valid for the configured number of days."""
    settings = runtime.settings
    expires = clock.now() + timedelta(days=settings.calendar_feed_days)
    token = links.sign(
        settings.secret_key, purpose=purpose, subject=subject, who=user.username, expires=expires
    )
    return FeedOut(url=f"{settings.public_url.rstrip('/')}{path}?token={token}", expires_at=expires)


@router.post(
    "/api/v1/oncall/{schedule}/feed",
    response_model=FeedOut,
    status_code=201,
    responses=responses(401, 403, 404),
)
def calendar_feed_url(
    schedule: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Reader
) -> FeedOut:
    """A calendar URL for this schedule, signed for the caller; it stops when they are deactivated."""
    oncall.schedule_or_404(runtime.config.oncall, schedule)
    return _signed_feed(runtime, clock, "ics", schedule, user, f"/api/v1/oncall/{schedule}.ics")


@router.post(
    "/api/v1/oncall/people/{person}/feed",
    response_model=FeedOut,
    status_code=201,
    responses=responses(401, 403, 404),
)
def person_feed_url(
    person: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Reader
) -> FeedOut:
    """A calendar URL of one person's own shifts on every schedule, signed for the caller: your
    own, or anyone's for a lead. It stops when the caller is deactivated."""
    oncall.person_or_404(runtime.config.oncall, person)
    if person != user.username and not can(user.role, Permission.CASES_ASSIGN_ANY):
        raise Forbidden(f"only a lead may get another person's calendar; yours is {user.username}")
    path = f"/api/v1/oncall/people/{person}.ics"
    return _signed_feed(runtime, clock, "ics-person", person, user, path)


@router.get(
    "/api/v1/oncall/people/{person}.ics",
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"},
        **responses(401, 403, 404, 422),
    },
    response_class=Response,
)
def person_calendar(
    person: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    token: Annotated[
        str, Query(max_length=400, description="from POST /oncall/people/{person}/feed")
    ],
    weeks: Weeks = 8,
) -> Response:
    """One person's own shifts on every schedule, with them as ATTENDEE (signed URL, no login)."""
    _feed_holder(db, runtime, clock, token, purpose="ics-person", subject=person)
    body = oncall.person_calendar(
        db,
        clock,
        runtime.config.oncall,
        person=person,
        weeks=weeks,
        public_url=runtime.settings.public_url,
    )
    return _ics(body, person)


def _feed_holder(
    db: DbSession, runtime: RuntimeDep, clock: ClockDep, token: str, *, purpose: str, subject: str
) -> str:
    """Who a calendar link was signed for; 401 forged, 403 expired or its holder deactivated."""
    try:
        who = links.verify(
            runtime.settings.secret_key, token, purpose=purpose, subject=subject, now=clock.now()
        )
    except links.Expired as exc:
        raise Forbidden(f"this calendar link has {exc}; ask Watchfloor for a new one") from exc
    if who is None:
        raise Unauthenticated("this calendar link is not valid; ask Watchfloor for a new one")
    if auth.get_active(db, username=who) is None:
        raise Forbidden(f"this calendar link was revoked: {who} is no longer active")
    return who


@router.get(
    "/api/v1/oncall/{schedule}.ics",
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"},
        **responses(401, 403, 404, 422),
    },
    response_class=Response,
)
def calendar(
    schedule: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    token: Annotated[str, Query(max_length=400, description="from POST /oncall/{schedule}/feed")],
    weeks: Weeks = 8,
) -> Response:
    """The schedule's shifts for the next weeks, for calendar apps (signed URL, no login)."""
    _feed_holder(db, runtime, clock, token, purpose="ics", subject=schedule)
    body = oncall.calendar(
        db,
        clock,
        runtime.config.oncall,
        schedule=schedule,
        weeks=weeks,
        public_url=runtime.settings.public_url,
    )
    return _ics(body, schedule)


def _ics(body: bytes, name: str) -> Response:
    """An RFC 5545 calendar, shown inline by whatever opens it."""
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'inline; filename="{name}.ics"'},
    )
