"""Console routes of the weekly report: the report of a chosen week, and its downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.compliance.retention import redact as pii
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.insights import export, weekly
from watchfloor.web.console import SECURITY_HEADERS, Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.INSIGHTS_READ)]
Week = Annotated[str | None, Query(max_length=16, description="ISO week, e.g. 2026-W48.")]
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", **export.MEDIA_TYPES}


@router.get("/insights/report")
def report_page(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Reader,
    week: Week = None,
) -> HTMLResponse:
    """The weekly report of ``week`` (default: the last full week), with links to download it."""
    now = clock.now()
    start = weekly.week_start(week or None, now=now)
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.user.role)
    found = weekly.assemble(db, start=start, now=now, withheld=withheld)
    return render(request, "report_weekly.html", visitor, standalone=False, **weekly.context(found))


@router.get("/insights/report/download")
def report_download(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Reader,
    week: Week = None,
    format: Literal["pdf", "html", "csv", "parquet"] = "pdf",
) -> Response:
    """The report as a PDF or a self-contained HTML file, or its data as CSV or Parquet. A file
    travels: cluster words are left out for every harm area some reader may not see."""
    now = clock.now()
    start = weekly.week_start(week or None, now=now)
    withheld = weekly.withheld_from_some_reader(runtime.config.taxonomy)
    found = weekly.assemble(db, start=start, now=now, withheld=withheld)
    found = pii.unless_allowed(found, role=visitor.role)  # no PII without pii:read
    if format in ("csv", "parquet"):
        body = export.encode(found.metrics, format)
        name = f"watchfloor-data-{found.week}.{format}"
    else:
        page = weekly.html(found, generated=now)
        body = weekly.pdf(page) if format == "pdf" else page.encode("utf-8")
        name = f"watchfloor-report-{found.week}.{format}"
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)
