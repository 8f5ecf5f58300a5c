"""Console routes for saved views: save the list page you are on under a name, or delete one of
your own (another person's view is not found, as if it never was)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from watchfloor.auth import saved_views
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.queues import service as queues
from watchfloor.web.console import Visitor, posted_for, redirect

router = APIRouter(include_in_schema=False)
Saver = Annotated[Visitor, posted_for(Permission.CASES_READ)]


@router.post("/views")
def save_view(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Saver,
    page: Annotated[str, Form(max_length=80)],
    name: Annotated[str, Form(max_length=200)] = "",
    query: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Save the list's current query string as one of the visitor's views, and show it."""
    if page.startswith("queue:"):
        queues.get_or_raise(runtime.config.queues, page.removeprefix("queue:"))
    view = saved_views.save(db, clock, user=visitor.user, page=page, name=name, query=query)
    return redirect(saved_views.url_of(view))


@router.post("/views/{view_id}/delete")
def delete_view(db: DbSession, clock: ClockDep, visitor: Saver, view_id: int) -> Response:
    page = saved_views.delete(db, clock, user=visitor.user, view_id=view_id)
    return redirect(saved_views.page_url(page))
