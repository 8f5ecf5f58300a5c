"""Console routes for legal holds: the list in force, placing one on a case, releasing it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth.permissions import Permission
from watchfloor.cases import holds
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.deps import ClockDep, DbSession, IdPath
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Legal = Annotated[Visitor, page_for(Permission.LEGAL_HOLDS)]
LegalPost = Annotated[Visitor, posted_for(Permission.LEGAL_HOLDS)]


@router.get("/holds")
def holds_page(request: Request, db: DbSession, visitor: Legal) -> HTMLResponse:
    return render(request, "holds.html", visitor, holds=holds.active(db))


@router.post("/cases/{key}/holds")
def place(
    key: str,
    db: DbSession,
    clock: ClockDep,
    visitor: LegalPost,
    reason: Annotated[str, Form(max_length=5000)] = "",
    authority: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    case = cases.get_or_raise(db, key=key)
    holds.place(db, clock, case=case, by=visitor.user, reason=reason, authority=authority)
    return redirect(f"/cases/{case.key}#holds")


@router.post("/holds/{hold_id}/release")
def release(hold_id: IdPath, db: DbSession, clock: ClockDep, visitor: LegalPost) -> Response:
    hold = holds.release(db, clock, hold_id=hold_id, by=visitor.user)
    return redirect(f"/cases/{case_key(hold.case_id)}#holds")
