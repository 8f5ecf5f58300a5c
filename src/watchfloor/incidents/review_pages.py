"""The review's console forms, on the incident room: write its sections, draft the summary, and
flag timeline entries as key (action items are tasks, added with the room's task form). Refusals
come back on the room."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.incidents import service, timeline, updates
from watchfloor.incidents.room_pages import (
    Manager,
    Short,
    act_then_room,
    parsed,
    show_room,
)
from watchfloor.incidents.schemas import KeyIn, ReviewIn

router = APIRouter(include_in_schema=False)
Section = Annotated[str, Form(max_length=20_000)]


@router.post("/incidents/{key}/review")
def save_review(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    summary: Section = "",
    impact_note: Section = "",
    went_well: Section = "",
    went_badly: Section = "",
) -> Response:
    form = {
        "summary": summary,
        "impact_note": impact_note,
        "went_well": went_well,
        "went_badly": went_badly,
    }

    def act() -> None:
        body = parsed(ReviewIn, **{k: v.strip() for k, v in form.items()})
        service.edit_review(db, clock, key=key, body=body, by=visitor.user)

    return act_then_room(request, db, runtime, visitor, key, "review", act, form)


@router.post("/incidents/{key}/review/draft")
def draft_summary(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
) -> HTMLResponse:
    """The room again with a drafted summary in the review's summary box; nothing is saved."""
    incident = service.get_or_raise(db, key=key)
    made = updates.draft_summary(
        db, clock, runtime.settings, runtime.config.incidents, incident=incident, by=visitor.user
    )
    return show_room(
        request,
        db,
        runtime,
        visitor,
        key,
        where="review",
        summary_draft=made.text,
        draft_note=made.note or "",
    )


@router.post("/incidents/{key}/timeline/{entry_id}/key")
def flag_key(
    request: Request,
    key: str,
    entry_id: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    flag: Short = "",
) -> Response:
    """Mark a timeline entry key (it goes into the review), or unmark it."""

    def act() -> None:
        body = parsed(KeyIn, key=flag == "1")
        incident = service.get_or_raise(db, key=key)
        timeline.set_key(
            db, clock, incident=incident, entry_id=entry_id, key=body.key, by=visitor.user
        )

    return act_then_room(request, db, runtime, visitor, key, "timeline", act)
