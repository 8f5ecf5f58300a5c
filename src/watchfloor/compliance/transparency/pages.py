"""The console's transparency report (/legal/transparency): a period form, every table with its
caption and numbers as text, and each table's CSV. The logic is service.py's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.transparency import export, report, service
from watchfloor.deps import DbSession, RuntimeDep
from watchfloor.errors import Invalid, NotFound
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.TRANSPARENCY_READ)]


def _half_year(now: datetime) -> tuple[str, str]:
    """The reporting half-year ``now`` is in (DSA periods: 1 Jan-30 Jun, 1 Jul-31 Dec)."""
    if now.month <= 6:
        return date(now.year, 1, 1).isoformat(), date(now.year, 7, 1).isoformat()
    return date(now.year, 7, 1).isoformat(), date(now.year + 1, 1, 1).isoformat()


@router.get("/legal/transparency")
def transparency_page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Reader,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> HTMLResponse:
    """The report over [from, to); the current half-year unless given."""
    default = _half_year(runtime.clock.now().astimezone(UTC))
    shown = (start or default[0], end or default[1])
    try:
        since, until = report.parse_period(*shown)
    except Invalid as exc:
        return render(
            request, "transparency.html", visitor, status=422,
            error=exc.message, form=shown, found=None, query="", cell=export.cell_text,
        )  # fmt: skip
    found = service.transparency_report(
        db, runtime.clock, mapping=runtime.config.transparency, start=since, end=until
    )
    query = f"from={shown[0]}&to={shown[1]}"
    return render(
        request,
        "transparency.html",
        visitor,
        error=None,
        form=shown,
        found=found,
        query=query,
        cell=export.cell_text,
    )


@router.get("/legal/transparency/{table}.csv")
def transparency_csv(
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Reader,
    table: Annotated[str, Path(max_length=40)],
    start: Annotated[str, Query(alias="from", max_length=40)],
    end: Annotated[str, Query(alias="to", max_length=40)],
) -> Response:
    """One table of the report as CSV."""
    since, until = report.parse_period(start, end)
    found = service.transparency_report(
        db, runtime.clock, mapping=runtime.config.transparency, start=since, end=until
    )
    chosen = next((t for t in found.tables if t.name == table), None)
    if chosen is None:
        names = ", ".join(t.name for t in found.tables)
        raise NotFound(f"no table {table!r} in the transparency report; tables: {names}")
    name = f"{export.PREFIX}{table}-{since.date()}-{until.date()}.csv"
    return Response(
        export.csv_text(chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
