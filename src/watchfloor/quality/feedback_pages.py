"""Console routes for feedback and agreement: an analyst's feedback to acknowledge or dispute, a
lead's disputes to uphold or overturn, and the agreement tables over a range of days read in
the visitor's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Conflict, Forbidden, Invalid, NotFound
from watchfloor.quality import feedback, service, tables
from watchfloor.quality.models import QaFeedback, QaReview, QaSample
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Analyst = Annotated[Visitor, page_for(Permission.CASES_WORK)]
Answering = Annotated[Visitor, posted_for(Permission.CASES_WORK)]
Settling = Annotated[Visitor, posted_for(Permission.QUALITY_MANAGE)]
Reviewer = Annotated[Visitor, page_for(Permission.QUALITY_REVIEW)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=10_000)]
REFUSALS = (Invalid, Conflict, Forbidden, NotFound)
GROUPINGS = {"analyst": "Analyst", "harm_area": "Harm area", "policy": "Policy", "region": "Region"}
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Item:
    """A feedback row with what its reader needs beside it: the case, and for a dispute the
    analyst's decision and the reviewer's verdict the lead chooses between."""

    row: QaFeedback
    sample: QaSample
    review: QaReview | None


def _items(db: Session, rows: list[QaFeedback]) -> list[Item]:
    found = []
    for row in rows:
        sample = service.get_or_raise(db, sample_id=row.sample_id)
        found.append(Item(row, sample, service.review_of(db, sample_id=row.sample_id)))
    return found


def _page(
    request: Request,
    db: Session,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
    where: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    lead = visitor.can(Permission.QUALITY_MANAGE)
    return render(
        request,
        "qa_feedback.html",
        visitor,
        status=status,
        mine=_items(db, list(feedback.for_analyst(db, analyst=visitor.username))),
        disputes=_items(db, list(feedback.disputes(db))) if lead else [],
        lead=lead,
        problem=problem,
        where=where,
        form=form or {},
    )


@router.get("/qa/feedback")
def feedback_page(request: Request, db: DbSession, visitor: Analyst) -> HTMLResponse:
    """Your feedback, unanswered first; for a lead, the disputes waiting for a ruling too."""
    return _page(request, db, visitor)


@router.post("/qa/feedback/{feedback_id}/answer")
def answer(
    request: Request,
    feedback_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    visitor: Answering,
    outcome: Short = "",
    response: Long = "",
) -> Response:
    """Acknowledge, or dispute with the reason (it goes to a lead)."""
    where = f"feedback-{feedback_id}"
    try:
        if outcome not in {"acknowledge", "dispute"}:
            raise Invalid("choose Acknowledge or Dispute")
        dispute = outcome == "dispute"
        if dispute and not response.strip():
            raise Invalid(
                "a dispute needs its reason: say why the decision was right",
                fields=[{"loc": ["body", "response"], "msg": "required to dispute"}],
            )
        feedback.answer(
            db,
            clock,
            feedback_id=feedback_id,
            by=visitor.user,
            dispute=dispute,
            response=response.strip(),
        )
    except REFUSALS as exc:
        db.rollback()
        form = {"response": response}
        return _page(
            request, db, visitor, status=exc.status, problem=exc.message, where=where, form=form
        )
    return redirect(f"/qa/feedback#{where}")


@router.post("/qa/feedback/{feedback_id}/resolve")
def resolve(
    request: Request,
    feedback_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Settling,
    outcome: Short = "",
    note: Long = "",
) -> Response:
    """Uphold the review, or overturn it (the analyst's decision becomes the final verdict)."""
    where = f"dispute-{feedback_id}"
    try:
        if outcome not in {"upheld", "overturned"}:
            raise Invalid("choose Uphold or Overturn")
        if not note.strip():
            raise Invalid(
                "write a note with your ruling: the analyst and the reviewer both read it",
                fields=[{"loc": ["body", "note"], "msg": "required"}],
            )
        feedback.resolve(
            db,
            clock,
            runtime.config.taxonomy,
            feedback_id=feedback_id,
            by=visitor.user,
            overturn=outcome == "overturned",
            note=note.strip(),
        )
    except REFUSALS as exc:
        db.rollback()
        form = {"note": note}
        return _page(
            request, db, visitor, status=exc.status, problem=exc.message, where=where, form=form
        )
    return redirect("/qa/feedback#disputes")


def day_range(
    start: str, end: str, zone_name: str, today: date
) -> tuple[date, date, datetime, datetime]:
    """The days from ``start`` to ``end`` (inclusive, YYYY-MM-DD, in the visitor's zone) as
    [from midnight, to the next midnight); the last DEFAULT_DAYS days by default."""
    zone = _zone(zone_name)
    days = []
    for name, text, default in (
        ("from", start, today - timedelta(days=DEFAULT_DAYS - 1)),
        ("to", end, today),
    ):
        try:
            days.append(date.fromisoformat(text.strip()) if text.strip() else default)
        except ValueError:
            raise Invalid(
                f"{name}: {text!r} is not a date; write it like 2026-03-01",
                fields=[{"loc": ["query", name], "msg": "not a date"}],
            ) from None
    first, last = days
    if first > last:
        raise Invalid(
            "from must be on or before to",
            fields=[{"loc": ["query", "from"], "msg": "after to"}],
        )
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    return first, last, since, until


@router.get("/qa/agreement")
def agreement_page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Reviewer,
    by: str = "analyst",
    start: Annotated[str, Query(alias="from", max_length=32)] = "",
    to: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """Agreement and accuracy per analyst, harm area, policy or region, with intervals and n."""
    today = runtime.clock.now().astimezone(_zone(visitor.time_zone)).date()
    status, problem, rows = 200, "", []
    first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
    try:
        if by not in GROUPINGS:
            raise Invalid(
                f"by: {by!r} is not a grouping; choose " + ", ".join(GROUPINGS),
                fields=[{"loc": ["query", "by"], "msg": "unknown grouping"}],
            )
        first, last, since, until = day_range(start, to, visitor.time_zone, today)
        rows = tables.table(db, by=cast(tables.By, by), start=since, end=until)
    except Invalid as exc:
        status, problem = exc.status, exc.message
    return render(
        request,
        "qa_agreement.html",
        visitor,
        status=status,
        problem=problem,
        rows=rows,
        by=by if by in GROUPINGS else "analyst",
        groupings=GROUPINGS,
        first=first,
        last=last,
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
