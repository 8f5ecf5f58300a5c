"""Console routes for incidents: the list with its Declare form, the floor's banner, and the
review's downloads; the room and its forms are in ``room_pages``. The logic is the incident
services'; these routes read forms, call them, and render."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.errors import Conflict
from watchfloor.incidents import report, roles, service, views
from watchfloor.incidents.config import IncidentConfig
from watchfloor.incidents.lifecycle import Status
from watchfloor.incidents.review_pages import router as review_router
from watchfloor.incidents.room_pages import REFUSALS, Long, Manager, Reader, Short, keys_of, parsed
from watchfloor.incidents.room_pages import router as room_router
from watchfloor.incidents.schemas import DeclareIn, IncidentOut
from watchfloor.notify import service as notify
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, redirect, render

router = APIRouter(include_in_schema=False)
OPEN = [Status.ACTIVE.value, Status.MITIGATED.value, Status.RESOLVED.value]


def banner(db: Session, config: IncidentConfig, now: datetime) -> list[IncidentOut]:
    """The incidents the floor shows at its top: active and mitigated ones."""
    found = service.list_incidents(
        db, statuses=[Status.ACTIVE.value, Status.MITIGATED.value], limit=20
    )
    return views.rows(db, config, found, now)


def _bad(exc: Exception) -> frozenset[str]:
    fields = getattr(exc, "fields", [])
    return frozenset(str(f["loc"][1]) for f in fields if len(f.get("loc", [])) > 1)


def _list_page(
    request: Request,
    db: Session,
    runtime: Runtime,
    visitor: Visitor,
    *,
    status: int = 200,
    problem: str = "",
    existing: str = "",
    bad: frozenset[str] = frozenset(),
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    config = runtime.config.incidents
    now = runtime.clock.now()
    return render(
        request,
        "incidents.html",
        visitor,
        status=status,
        open_incidents=views.rows(db, config, service.list_incidents(db, statuses=OPEN), now),
        closed=views.rows(db, config, service.list_incidents(db, statuses=["closed"]), now),
        severities=config.severities,
        harm_areas=runtime.config.taxonomy.harm_areas,
        receivers=[e.name for e in notify.list_endpoints(db) if e.is_active],
        default_channels=config.default_channels,
        problem=problem,
        existing=existing,
        bad=bad,
        form=form or {},
    )


@router.get("/incidents")
def incidents_page(
    request: Request, db: DbSession, runtime: RuntimeDep, visitor: Reader, case: str = ""
) -> HTMLResponse:
    """Open incidents first, then closed ones; ``?case=`` prefills the Declare form."""
    return _list_page(request, db, runtime, visitor, form={"cases": case[:32]})


@router.post("/incidents")
def declare(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Manager,
    severity: Short = "",
    title: Short = "",
    harm_area: Short = "",
    cases: Long = "",
    summary: Long = "",
    webhooks: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
    emails: Long = "",
) -> Response:
    """Declare, and command it (as the API does when nobody else is named). Updates go to the
    receivers ticked and addresses typed; to incidents.yaml's default channels when none."""
    form = {"severity": severity, "title": title, "harm_area": harm_area, "cases": cases}
    form.update(summary=summary, emails=emails, webhooks=" ".join(webhooks))
    addresses = keys_of(emails)
    channels = {"webhooks": webhooks, "emails": addresses} if webhooks or addresses else None
    config = runtime.config.incidents
    try:
        body = parsed(
            DeclareIn,
            severity=severity,
            title=title,
            harm_area=harm_area or None,
            cases=keys_of(cases),
            summary=summary.strip(),
            channels=channels,
        )
        incident = service.declare(
            db, clock, config, runtime.config.taxonomy, body=body, by=visitor.user
        )
        roles.assign(
            db,
            clock,
            runtime.pager,
            config,
            incident=incident,
            role="commander",
            user=visitor.username,
            by=visitor.user,
        )
    except REFUSALS as exc:
        db.rollback()
        existing = str(exc.extra.get("existing", "")) if isinstance(exc, Conflict) else ""
        return _list_page(
            request,
            db,
            runtime,
            visitor,
            status=exc.status,
            problem=exc.message,
            existing=existing,
            bad=_bad(exc),
            form=form,
        )
    return redirect(f"/incidents/{incident.key}")


@router.get("/incidents/{key}/review.md")
def review_markdown(key: str, db: DbSession, runtime: RuntimeDep, visitor: Reader) -> Response:
    incident = service.get_or_raise(db, key=key)
    doc = views.review(db, runtime.config.incidents, incident, runtime.clock.now())
    return PlainTextResponse(
        report.markdown(doc, time_zone=visitor.time_zone),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{incident.key}-review.md"'},
    )


@router.get("/incidents/{key}/review.html")
def review_html(key: str, db: DbSession, runtime: RuntimeDep, visitor: Reader) -> Response:
    incident = service.get_or_raise(db, key=key)
    doc = views.review(db, runtime.config.incidents, incident, runtime.clock.now())
    return HTMLResponse(report.html(doc, time_zone=visitor.time_zone))


router.include_router(room_router)
router.include_router(review_router)
