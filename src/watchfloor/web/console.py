"""What every console page shares: the signed-in visitor, CSRF checks, and rendering.

Pages are server-rendered with Jinja2 (autoescaped). A visitor is known by the session cookie
(HttpOnly, SameSite=Lax, Secure whenever the request came over TLS); every state-changing
request must carry the session's CSRF token, in a form field or the X-CSRF-Token header, and
come from this site's own origin.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from watchfloor.auth import login_sessions
from watchfloor.auth.models import LoginSession, User
from watchfloor.auth.permissions import Permission, can
from watchfloor.auth.preferences import Preferences, preferences_for
from watchfloor.deps import ClockDep, DbSession
from watchfloor.errors import Forbidden, WatchfloorError
from watchfloor.triage.taxonomy import Priority
from watchfloor.web import display

COOKIE = "wf_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    priority=lambda p: Priority(p).label,
    when=display.when,
    ago=display.ago,
    duration=display.duration,
)


def _fingerprints() -> dict[str, str]:
    return {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:12]
        for f in (HERE / "static").iterdir()
        if f.is_file()
    }


_STATIC_VERSIONS = _fingerprints()


def static_url(name: str) -> str:
    """A static file's URL carrying its content hash, so browsers may cache it for good."""
    return f"/static/{name}?v={_STATIC_VERSIONS.get(name, '0')}"


class Static(StaticFiles):
    """The console's CSS and script: cached for a year when asked for by fingerprint."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if b"v=" in scope.get("query_string", b"") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


templates.env.globals.update(can=can, Permission=Permission, static_url=static_url)


class SignInRequired(WatchfloorError):
    """No valid console session: the visitor is sent to the sign-in page."""

    status = 401
    code = "sign_in_required"


class BadCsrf(WatchfloorError):
    status = 403
    code = "csrf_failed"


@dataclass
class Visitor:
    """The signed-in person behind a console request. Their name, role and CSRF token are copied
    out of the database rows, so an error page can still show them after a rollback."""

    user: User
    login: LoginSession
    username: str = ""
    display_name: str = ""
    role: str = ""
    csrf: str = ""
    time_zone: str = "UTC"  # the IANA zone the console writes their times in
    preferences: Preferences | None = None  # read once per request, with the time zone

    def __post_init__(self) -> None:
        self.username, self.display_name = self.user.username, self.user.display_name
        self.role, self.csrf = self.user.role, self.login.csrf_token

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)


def visitor_or_none(request: Request, db: DbSession, clock: ClockDep) -> Visitor | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    found = login_sessions.lookup(db, clock, token=token)
    visitor = Visitor(*found) if found else None
    if visitor is not None:
        visitor.preferences = preferences_for(db, user_id=visitor.user.id)
        visitor.time_zone = visitor.preferences.time_zone
    request.state.visitor = visitor  # for the error page's header
    return visitor


def signed_in(visitor: Annotated[Visitor | None, Depends(visitor_or_none)]) -> Visitor:
    if visitor is None:
        raise SignInRequired("please sign in")
    return visitor


def _requiring(permission: Permission, visitor_of: Callable[..., Any]) -> Any:
    """A dependency: the visitor ``visitor_of`` gives, if their role holds ``permission``
    (else a 403 page)."""

    # A default, not an Annotated hint: hints are strings here (PEP 563) and FastAPI could not
    # resolve the closure's ``visitor_of`` from them.
    def checked(visitor: Visitor = Depends(visitor_of)) -> Visitor:
        if not visitor.can(permission):
            raise Forbidden(f"your role ({visitor.role}) may not {permission.value}")
        return visitor

    return Depends(checked)


def page_for(permission: Permission) -> Any:
    """For a page: a signed-in visitor whose role holds ``permission``."""
    return _requiring(permission, signed_in)


def check_origin(request: Request) -> None:
    """Refuse a state-changing request whose Origin is another site's, or "null": sandboxed
    frames, data: and file: pages send that, never our own pages (their Referrer-Policy is
    same-origin, so browsers send our origin). No Origin at all is left to the CSRF token."""
    origin = request.headers.get("origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc != request.url.netloc):
        raise BadCsrf(f"request from another site ({origin}) refused")


async def csrf_checked(
    request: Request, visitor: Annotated[Visitor, Depends(signed_in)]
) -> Visitor:
    """The visitor, if this state-changing request carries their CSRF token and our origin."""
    check_origin(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, visitor.csrf):
        raise BadCsrf("this form has no valid security token (CSRF); reload the page and try again")
    return visitor


def posted_for(permission: Permission) -> Any:
    """For a form post: CSRF checked, then the role, before the form is read."""
    return _requiring(permission, csrf_checked)


SignedIn = Annotated[Visitor, Depends(signed_in)]
Posted = Annotated[Visitor, Depends(csrf_checked)]


def render(
    request: Request,
    template: str,
    visitor: Visitor | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page (or fragment) from ``template``, with what every page needs in its context."""
    runtime = request.app.state.runtime
    context.update(
        visitor=visitor,
        csrf_token=visitor.csrf if visitor else "",
        now=runtime.clock.now(),
        zone=_zone(visitor.time_zone if visitor else "UTC"),
        path=request.url.path,
    )
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    """The visitor's zone; UTC if this machine's zone database lacks it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# Only our own scripts, styles and images; no framing (clickjacking); forms post only to us.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
LOGIN_COOKIE = "wf_login_csrf"


def login_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    """The sign-in form. Before there is a session, CSRF is checked by double submit: the form
    carries the same random value as a cookie only this site can set."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status=status, login_csrf=token, **context)
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=is_tls(request), path="/login"
    )
    return response


def check_login_csrf(request: Request, sent: str) -> None:
    """The sign-in form came from our own page: our origin and its double-submit token."""
    check_origin(request)
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise BadCsrf(
            "the sign-in form has expired or came from elsewhere; reload it and try again"
        )


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(login_sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_tls(request),
        path="/",
    )


def is_tls(request: Request) -> bool:
    """Whether the visitor reached us over TLS (directly, or through a proxy uvicorn trusts)."""
    return request.url.scheme == "https" or request.app.state.runtime.settings.secure_cookies


def redirect(url: str) -> RedirectResponse:
    """See-other: after a form post, the browser fetches the next page with GET."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """A post-sign-in destination on this site only (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/floor"
    return target


def sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(here, safe='')}"


def is_console_path(path: str) -> bool:
    """Console pages answer errors in HTML; everything under /api answers JSON."""
    return not (path.startswith("/api/") or path in {"/openapi.json", "/healthz", "/metrics"})


def error_page(request: Request, status: int, message: str, headers: dict[str, str]) -> Response:
    """The console's answer to an error: sign-in for 401, else a page naming what went wrong."""
    if status == 401:
        return redirect(sign_in_url(request))
    visitor = getattr(request.state, "visitor", None)
    referer = request.headers.get("referer", "")
    back = urlsplit(referer).path if urlsplit(referer).netloc == request.url.netloc else ""
    response = render(
        request, "error.html", visitor, status=status, message=message, code=status, back=back
    )
    for name, value in headers.items():
        response.headers[name] = value
    return response
