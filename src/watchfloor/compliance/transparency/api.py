"""GET /api/v1/compliance/transparency: the DSA transparency report's counts as JSON, the same
tables the CLI writes as CSV. The logic is service.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.transparency import report, service
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses

router = APIRouter(tags=["compliance"])
READ = [Depends(require(Permission.TRANSPARENCY_READ))]


class TableOut(BaseModel):
    """One table: ``columns`` names each cell of a row (the CSV header), ``headers`` says it in
    words; unknown values (a median of nothing) are null."""

    name: str
    caption: str
    columns: list[str]
    headers: list[str]
    rows: list[list[str | int | float | None]]


class TransparencyOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to", description="Excluded.")
    generated_at: datetime
    tables: list[TableOut]
    notes: list[str]

    @classmethod
    def of(cls, found: report.TransparencyReport) -> TransparencyOut:
        return cls(
            start=found.start,
            end=found.end,
            generated_at=found.generated_at,
            tables=[
                TableOut(
                    name=t.name,
                    caption=t.caption,
                    columns=list(t.columns),
                    headers=list(t.headers),
                    rows=[list(r) for r in t.rows],
                )
                for t in found.tables
            ],
            notes=list(found.notes),
        )


@router.get(
    "/api/v1/compliance/transparency",
    response_model=TransparencyOut,
    response_model_by_alias=True,
    responses=responses(401, 403, 422),
    dependencies=READ,
)
def transparency(
    db: DbSession,
    runtime: RuntimeDep,
    clock: ClockDep,
    start: Annotated[
        str, Query(alias="from", max_length=40, description="First day, e.g. 2026-01-01 (UTC).")
    ],
    end: Annotated[
        str, Query(alias="to", max_length=40, description="Day after the last, e.g. 2026-07-01.")
    ],
) -> TransparencyOut:
    """The DSA transparency report over [from, to): notices by category and notifier, decisions
    by basis, ground and category, actions by restriction kind, automation, median times,
    complaints (Art. 20) and orders from authorities, in the harmonised templates' terms."""
    since, until = report.parse_period(start, end)
    found = service.transparency_report(
        db, clock, mapping=runtime.config.transparency, start=since, end=until
    )
    return TransparencyOut.of(found)
