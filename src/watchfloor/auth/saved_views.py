"""Saved views: a person's named query strings of a console list page (a queue, or search), so
the same filters and order come back in one click. Each view is its owner's alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import SavedView, User
from watchfloor.clock import Clock
from watchfloor.errors import Invalid, NotFound

MAX_NAME = 80
MAX_QUERY = 2000
MAX_VIEWS_PER_PAGE = 50
_PAGE = re.compile(r"^(search|queue:[a-z0-9][a-z0-9_-]{0,63})$")


def page_url(page: str) -> str:
    """Where a view's page lives: "search" is /search, "queue:<name>" is /queues/<name>."""
    return "/search" if page == "search" else f"/queues/{page.removeprefix('queue:')}"


def url_of(view: SavedView) -> str:
    return f"{page_url(view.page)}?{view.query}" if view.query else page_url(view.page)


def list_views(session: Session, *, user_id: int, page: str) -> Sequence[SavedView]:
    """``user_id``'s views of ``page``, by name."""
    return session.scalars(
        select(SavedView)
        .where(SavedView.user_id == user_id, SavedView.page == page)
        .order_by(SavedView.name)
    ).all()


def _normalised(query: str) -> str:
    """The query string without its page number (a view starts at its first page)."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k != "page" and v != ""]
    return urlencode(pairs)


def save(
    session: Session, clock: Clock, *, user: User, page: str, name: str, query: str
) -> SavedView:
    """Save ``query`` as ``user``'s view ``name`` of ``page``, replacing a view of that name."""
    name = " ".join(name.split())
    problems = []
    if not _PAGE.match(page):
        problems.append(("page", "a view belongs to 'search' or 'queue:<name>'"))
    if not 1 <= len(name) <= MAX_NAME:
        problems.append(("name", f"a view's name is 1 to {MAX_NAME} characters"))
    query = _normalised(query)
    if len(query) > MAX_QUERY:
        problems.append(("query", f"a view's query is at most {MAX_QUERY} characters"))
    if problems:
        raise Invalid(
            "; ".join(f"{f}: {m}" for f, m in problems),
            fields=[{"loc": ["body", f], "msg": m} for f, m in problems],
        )
    existing = session.scalar(
        select(SavedView).where(
            SavedView.user_id == user.id, SavedView.page == page, SavedView.name == name
        )
    )
    before = {"query": existing.query} if existing else None
    if existing is None:
        if len(list_views(session, user_id=user.id, page=page)) >= MAX_VIEWS_PER_PAGE:
            raise Invalid(
                f"you already keep {MAX_VIEWS_PER_PAGE} views of this page; delete one first",
                fields=[{"loc": ["body", "name"], "msg": "too many saved views"}],
            )
        existing = SavedView(
            user_id=user.id, page=page, name=name, query=query, created_at=clock.now()
        )
        session.add(existing)
    existing.query = query
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=user.username,
        action="user.view_saved",
        object_type="saved_view",
        object_id=str(existing.id),
        before=before,
        after={"page": page, "name": name, "query": query},
    )
    return existing


def get_own_or_raise(session: Session, *, user: User, view_id: int) -> SavedView:
    """``user``'s view ``view_id``; NotFound for another person's, as for one that never was."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound(f"no saved view {view_id} of yours")
    return view


def delete(session: Session, clock: Clock, *, user: User, view_id: int) -> str:
    """Delete ``user``'s own view ``view_id``; returns the page it belonged to."""
    view = get_own_or_raise(session, user=user, view_id=view_id)
    page = view.page
    audit.record(
        session,
        at=clock.now(),
        actor=user.username,
        action="user.view_deleted",
        object_type="saved_view",
        object_id=str(view.id),
        before={"page": view.page, "name": view.name, "query": view.query},
        after=None,
    )
    session.delete(view)
    session.flush()
    return page
