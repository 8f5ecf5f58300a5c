"""The console's legal requests (/legal/requests): the list, still-to-answer soonest due first,
and a request's page with requester, basis, scope, obligations with clocks, the response
package and a form to add to it. Only roles with LEGAL_REQUESTS see them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.clocks.pages import ClockRow, rows_of
from watchfloor.compliance.clocks.readings import Carried
from watchfloor.compliance.requests import responses, service
from watchfloor.compliance.requests.schemas import ResponseIn
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Invalid
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Legal = Annotated[Visitor, page_for(Permission.LEGAL_REQUESTS)]
LegalPost = Annotated[Visitor, posted_for(Permission.LEGAL_REQUESTS)]
STATUS_LABELS = {
    "open": "Open",
    "needs_classification": "Needs classification",
    "answered": "Answered",
}
# The legal view lists open clocks only; a request's page also shows those it closed.
CLOSED_LABELS = {"met": "Met", "met_late": "Met late", "expired": "Expired"}
DELIVERIES = ("portal", "email", "secure_transfer", "post", "in_person", "other")


def _utc(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def clock_rows(found: list[Carried]) -> list[ClockRow]:
    """The request's obligations as the legal view shows them; a closed one says when."""
    out = []
    for c, row in zip(found, rows_of(found), strict=True):
        label = CLOSED_LABELS.get(row.state)
        if label is not None:
            done = c.row.done_at
            row = replace(row, state_label=label, left=f"done {_utc(done)}" if done else "done")
        out.append(row)
    return out


@router.get("/legal/requests")
def requests_page(
    request: Request, db: DbSession, runtime: RuntimeDep, visitor: Legal
) -> HTMLResponse:
    """Requests still to answer, soonest due first; then the rest, newest first."""
    now = runtime.clock.now()
    config = runtime.config.obligations
    rows = service.list_requests(db, limit=500)
    dated = [(r, service.due_of(service.obligations_of(db, config, now, r), r)) for r in rows]
    items = [
        {
            "s": service.summary(r, due),
            "status_label": STATUS_LABELS.get(r.status, r.status),
            "received": _utc(r.received_at),
            "due": _utc(due),
            "overdue": due is not None and r.answered_at is None and due <= now,
        }
        for r, due in service.soonest_first(dated)
    ]
    return render(request, "legal_requests.html", visitor, items=items)


def _page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Visitor,
    request_id: int,
    *,
    problems: list[str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    row = service.get_or_raise(db, request_id=request_id)
    now = runtime.clock.now()
    config = runtime.config.obligations
    found = service.obligations_of(db, config, now, row)
    package = service.read(db, config, now, row)
    return render(
        request,
        "legal_request.html",
        visitor,
        status=status,
        r=package,
        status_label=STATUS_LABELS.get(row.status, row.status),
        clocks=clock_rows(found),
        items=[{"i": i, "at": _utc(i.at)} for i in package.responses],
        received=_utc(package.received_at),
        due=_utc(package.due_at),
        response_due=_utc(package.response_due_at),
        answered=_utc(package.answered_at),
        deliveries=DELIVERIES,
        problems=problems or [],
        form=form or {},
    )


@router.get("/legal/requests/{request_id}")
def request_page(
    request: Request, request_id: IdPath, db: DbSession, runtime: RuntimeDep, visitor: Legal
) -> HTMLResponse:
    return _page(request, db, runtime, visitor, request_id)


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


@router.post("/legal/requests/{request_id}/responses")
def add_response(
    request: Request,
    request_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: LegalPost,
    kind: Annotated[str, Form(max_length=32)] = "",
    data_categories: Annotated[str, Form(max_length=4000)] = "",
    identifiers: Annotated[str, Form(max_length=20000)] = "",
    recipient: Annotated[str, Form(max_length=300)] = "",
    delivery: Annotated[str, Form(max_length=32)] = "",
    refusal_reason: Annotated[str, Form(max_length=4000)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    final: Annotated[str, Form(max_length=8)] = "",
    mark_met: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Add an item to the package; a form that does not pass comes back with what to fix."""
    form = {
        "kind": kind,
        "data_categories": data_categories,
        "identifiers": identifiers,
        "recipient": recipient,
        "delivery": delivery,
        "refusal_reason": refusal_reason,
        "note": note,
        "final": bool(final),
        "mark_met": bool(mark_met),
    }
    problems: list[str] = []
    try:
        body = ResponseIn.model_validate(
            {
                **form,
                "data_categories": _list(data_categories),
                "identifiers": _list(identifiers),
                "refusal_reason": refusal_reason.strip() or None,
            }
        )
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in e["loc"]) + ": " if e["loc"] else "") + e["msg"]
            for e in exc.errors(include_url=False)
        ]
    else:
        try:
            # A refusal further in (a clock step the law does not allow) undoes the item too.
            with db.begin_nested():
                responses.record(
                    db,
                    clock,
                    runtime.config.obligations,
                    request_id=request_id,
                    body=body,
                    actor=f"user:{visitor.username}",
                    username=visitor.username,
                )
        except Invalid as exc:
            problems = [exc.message]
    if problems:
        return _page(
            request, db, runtime, visitor, request_id, problems=problems, form=form, status=422
        )
    return redirect(f"/legal/requests/{request_id}#package")
