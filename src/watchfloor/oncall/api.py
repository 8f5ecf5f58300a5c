"""On-call routes: who is on call, the calendar feed, overrides, pages and their signed links."""

from __future__ import annotations

import html
import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Forbidden
from watchfloor.http_errors import responses
from watchfloor.oncall import paging
from watchfloor.oncall import service as oncall
from watchfloor.oncall.models import Page
from watchfloor.oncall.page_notices import page_key
from watchfloor.oncall.rotations import Shift
from watchfloor.oncall.schemas import (
    CoverageOut,
    GapOut,
    OnCallNow,
    OverlapOut,
    OverrideIn,
    OverrideOut,
    PageEventOut,
    PageIn,
    PageOut,
    ShiftOut,
)
from watchfloor.runtime import Runtime

router = APIRouter(tags=["on-call"])
Reader = Annotated[User, Depends(require(Permission.ONCALL_READ))]
Manager = Annotated[User, Depends(require(Permission.ONCALL_MANAGE))]
Responder = Annotated[User, Depends(require(Permission.PAGES_RESPOND))]
At = Annotated[datetime | None, Query(description="an ISO 8601 instant with offset; default now")]
Weeks = Annotated[int, Query(ge=1, le=26)]
MAX_REACH = timedelta(days=5 * 366)


def _aware(at: datetime | None, clock_now: datetime, name: str = "at") -> datetime:
    from watchfloor.errors import Invalid

    if at is None:
        return clock_now
    if at.tzinfo is None:
        raise Invalid(
            f"{name} needs a UTC offset, e.g. 2026-03-01T09:00:00Z",
            fields=[{"loc": ["query", name], "msg": "needs a UTC offset"}],
        )
    # Rotations are walked from their start: bound the question to a span worth asking about.
    if abs(at - clock_now) > MAX_REACH:
        raise Invalid(
            f"{name} must be within {MAX_REACH.days} days of now",
            fields=[
                {"loc": ["query", name], "msg": f"must be within {MAX_REACH.days} days of now"}
            ],
        )
    return at


def _shift(shift: Shift | None) -> ShiftOut | None:
    if shift is None:
        return None
    return ShiftOut(users=list(shift.users), start=shift.start, end=shift.end, layer=shift.layer)


@router.get(
    "/api/v1/oncall/now", response_model=list[OnCallNow], responses=responses(401, 403, 422)
)
def who_is_on_call(
    db: DbSession, clock: ClockDep, runtime: RuntimeDep, _user: Reader, at: At = None
) -> list[OnCallNow]:
    """Who is on call for every schedule, now or at ``?at=``."""
    when = _aware(at, clock.now())
    config = runtime.config.oncall
    out = []
    for name, sched in sorted(config.schedules.items()):
        shift = oncall.shift_at(db, config, name, when)
        out.append(
            OnCallNow(
                schedule=name,
                title=sched.title,
                at=when,
                on_call=list(shift.users) if shift else [],
                shift=_shift(shift),
            )
        )
    return out


@router.get(
    "/api/v1/oncall/check", response_model=list[CoverageOut], responses=responses(401, 403, 422)
)
def check_coverage(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    _user: Reader,
    start: At = None,
    weeks: Weeks = 4,
) -> list[CoverageOut]:
    """Every gap (nobody on call) and overlap (two layers at once), exactly, over the weeks ahead."""
    begin = _aware(start, clock.now(), "start")
    end = begin + timedelta(weeks=weeks)
    return [
        CoverageOut(
            schedule=name,
            start=begin,
            end=end,
            gaps=[GapOut(start=g.start, end=g.end) for g in cov.gaps],
            overlaps=[
                OverlapOut(start=o.start, end=o.end, layers=list(o.layers)) for o in cov.overlaps
            ],
        )
        for name, cov in oncall.check(db, runtime.config.oncall, begin, end).items()
    ]


@router.get(
    "/api/v1/oncall/overrides", response_model=list[OverrideOut], responses=responses(401, 403, 404)
)
def list_overrides(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    _user: Reader,
    schedule: str | None = None,
) -> list[OverrideOut]:
    """Overrides made through the API that have not ended."""
    rows = oncall.list_overrides(db, runtime.config.oncall, schedule=schedule, now=clock.now())
    return [OverrideOut.model_validate(r) for r in rows]


@router.post(
    "/api/v1/oncall/overrides",
    response_model=OverrideOut,
    status_code=201,
    responses=responses(401, 403, 404, 422),
)
def create_override(
    body: OverrideIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, lead: Manager
) -> OverrideOut:
    """Someone covers a shift: ``user`` instead of ``replaces`` (or instead of anyone)."""
    row = oncall.create_override(
        db,
        clock,
        runtime.config.oncall,
        schedule=body.schedule,
        user=body.user,
        replaces=body.replaces,
        start=body.start,
        end=body.end,
        reason=body.reason,
        actor=f"user:{lead.username}",
    )
    return OverrideOut.model_validate(row)


@router.delete(
    "/api/v1/oncall/overrides/{override_id}", status_code=204, responses=responses(401, 403, 404)
)
def delete_override(override_id: IdPath, db: DbSession, clock: ClockDep, lead: Manager) -> Response:
    oncall.delete_override(db, clock, override_id=override_id, actor=f"user:{lead.username}")
    return Response(status_code=204)


def _page_out(db: DbSession, page: Page, *, events: bool = True) -> PageOut:
    return PageOut(
        id=page.id,
        key=page_key(page),
        state=page.state,
        severity=page.severity,
        summary=page.summary,
        case_key=page.case_key,
        schedule=page.schedule,
        policy=page.policy_name,
        level=page.step + 1,
        cycle=page.cycle,
        paged=list(page.paged),
        next_escalation_at=page.next_escalation_at,
        created_at=page.created_at,
        acknowledged_at=page.acknowledged_at,
        acknowledged_by=page.acknowledged_by,
        resolved_at=page.resolved_at,
        resolved_by=page.resolved_by,
        events=[PageEventOut.model_validate(e) for e in paging.events_of(db, page.id)]
        if events
        else [],
    )


@router.post(
    "/api/v1/pages",
    response_model=PageOut,
    status_code=201,
    responses=responses(401, 403, 404, 422),
)
def create_page(
    body: PageIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Responder
) -> PageOut:
    """Page on-call now. With an open page for the same dedup_key, that page is returned."""
    page = oncall.page(
        db,
        clock,
        runtime.pager,
        schedule=body.schedule,
        summary=body.summary,
        severity=body.severity,
        case_key=body.case_key,
        dedup_key=body.dedup_key or f"manual:{uuid.uuid4()}",
        actor=f"user:{user.username}",
    )
    return _page_out(db, page)


@router.get("/api/v1/pages", response_model=list[PageOut], responses=responses(401, 403, 422))
def list_pages(
    db: DbSession,
    _user: Reader,
    state: Annotated[str | None, Query(pattern="^(triggered|acknowledged|resolved)$")] = None,
) -> list[PageOut]:
    return [_page_out(db, p, events=False) for p in paging.list_pages(db, state=state)]


@router.get("/api/v1/pages/{page_id}", response_model=PageOut, responses=responses(401, 403, 404))
def get_page(page_id: IdPath, db: DbSession, _user: Reader) -> PageOut:
    return _page_out(db, paging.get_or_404(db, page_id))


@router.post(
    "/api/v1/pages/{page_id}/acknowledge",
    response_model=PageOut,
    responses=responses(401, 403, 404, 409),
)
def acknowledge(
    page_id: IdPath, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Responder
) -> PageOut:
    page = paging.acknowledge(
        db, clock, runtime.config.oncall, page_id=page_id, actor=f"user:{user.username}"
    )
    return _page_out(db, page)


@router.post(
    "/api/v1/pages/{page_id}/resolve", response_model=PageOut, responses=responses(401, 403, 404)
)
def resolve(page_id: IdPath, db: DbSession, clock: ClockDep, user: Responder) -> PageOut:
    page = paging.resolve(db, clock, page_id=page_id, actor=f"user:{user.username}")
    return _page_out(db, page)


_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>body{{font:18px/1.5 system-ui,
sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}button{{font-size:1.2rem;padding:.6rem 1.2rem}}
</style></head><body><h1>{title}</h1><p>{text}</p>{form}</body></html>"""

Token = Annotated[str, Query(max_length=400, description="the signed token from the page")]


def _link_page(title: str, text: str, form: str = "") -> HTMLResponse:
    return HTMLResponse(_FORM.format(title=html.escape(title), text=html.escape(text), form=form))


def _link_holder(db: DbSession, who: str) -> str:
    """``who``, unless the person a genuine link was sent to is a deactivated user: deactivating
    someone stops their links at once, long before the links expire. People on a rota need no
    Watchfloor account (nor does the shared chat link), so only a deactivated account refuses."""
    user = auth.get_by_username(db, username=who)
    if user is not None and not user.is_active:
        raise Forbidden(f"this link was revoked: {who} is no longer active")
    return who


def _link_get(
    purpose: str, page_id: int, token: str, db: DbSession, clock: ClockDep, runtime: Runtime
) -> HTMLResponse:
    who = paging.check_link(clock, runtime.settings, page_id=page_id, token=token, purpose=purpose)
    _link_holder(db, who)
    page = paging.get_or_404(db, page_id)
    verb = "Acknowledge" if purpose == "ack" else "Resolve"
    # A GET only shows a button: mail scanners open links, and must not acknowledge pages.
    form = (
        f'<form method="post" action="?token={html.escape(token)}">'
        f'<button type="submit">{verb} {page_key(page)}</button></form>'
    )
    return _link_page(
        f"{verb} {page_key(page)}", f"[{page.severity}] {page.summary} ({page.state})", form
    )


def _link_post(
    purpose: str,
    page_id: int,
    token: str,
    db: DbSession,
    clock: ClockDep,
    runtime: Runtime,
    request: Request,
) -> Response:
    who = _link_holder(
        db,
        paging.check_link(clock, runtime.settings, page_id=page_id, token=token, purpose=purpose),
    )
    actor = f"link:{who}"
    if purpose == "ack":
        page = paging.acknowledge(db, clock, runtime.config.oncall, page_id=page_id, actor=actor)
    else:
        page = paging.resolve(db, clock, page_id=page_id, actor=actor)
    if "text/html" in request.headers.get("accept", ""):
        return _link_page(page_key(page), f"{page_key(page)} is {page.state}.")
    return Response(
        _page_out(db, page).model_dump_json(), media_type="application/json", status_code=200
    )


LINK_ERRORS = responses(401, 403, 404, 409, 422)


@router.get("/api/v1/pages/{page_id}/ack", response_class=HTMLResponse, responses=LINK_ERRORS)
def ack_link_form(
    page_id: IdPath, token: Token, db: DbSession, clock: ClockDep, runtime: RuntimeDep
) -> HTMLResponse:
    """The page a signed acknowledge link opens (no login): a button that acknowledges."""
    return _link_get("ack", page_id, token, db, clock, runtime)


@router.post("/api/v1/pages/{page_id}/ack", response_model=PageOut, responses=LINK_ERRORS)
def ack_link(
    page_id: IdPath,
    token: Token,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    request: Request,
) -> Response:
    """Acknowledge through a signed link (no login); audited as the person it was sent to."""
    return _link_post("ack", page_id, token, db, clock, runtime, request)


@router.get(
    "/api/v1/pages/{page_id}/resolve-link", response_class=HTMLResponse, responses=LINK_ERRORS
)
def resolve_link_form(
    page_id: IdPath, token: Token, db: DbSession, clock: ClockDep, runtime: RuntimeDep
) -> HTMLResponse:
    """The page a signed resolve link opens (no login): a button that resolves."""
    return _link_get("resolve", page_id, token, db, clock, runtime)


@router.post("/api/v1/pages/{page_id}/resolve-link", response_model=PageOut, responses=LINK_ERRORS)
def resolve_link(
    page_id: IdPath,
    token: Token,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    request: Request,
) -> Response:
    """Resolve through a signed link (no login); audited as the person it was sent to."""
    return _link_post("resolve", page_id, token, db, clock, runtime, request)
