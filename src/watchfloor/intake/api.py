"""Intake routes: one report, a batch, and reading a report back."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.intake import flows
from watchfloor.intake import service as intake
from watchfloor.intake.schemas import BatchResult, IngestResult, ReportBatchIn, ReportIn, ReportOut

router = APIRouter(prefix="/api/v1/reports", tags=["intake"])
Submitter = Annotated[User, Depends(require(Permission.REPORTS_CREATE))]
Reader = Annotated[User, Depends(require(Permission.REPORTS_READ))]


def _ingest(
    db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: User, reports: list[ReportIn]
) -> list[IngestResult]:
    return flows.ingest(
        db,
        clock,
        config=runtime.config,
        link_window=timedelta(hours=runtime.settings.link_window_hours),
        reports=reports,
        actor=f"user:{user.username}",
    )


@router.post(
    "",
    status_code=201,
    response_model=IngestResult,
    responses={
        200: {"model": IngestResult, "description": "A repeat: the original report"},
        **responses(401, 403, 413, 422),
    },
    summary="Submit one report",
)
def submit(
    report: ReportIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Submitter,
    response: Response,
) -> IngestResult:
    """Triage a report and put it on a case: the open case about the same subject and harm area,
    or a new one. Sending the same (source, external_id) again returns the original with 200."""
    result = _ingest(db, clock, runtime, user, [report])[0]
    if not result.created:
        response.status_code = 200
    return result


@router.post(
    "/batch",
    response_model=BatchResult,
    responses=responses(401, 403, 413, 422),
    summary="Submit up to 1,000 reports at once",
)
def submit_batch(
    batch: ReportBatchIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Submitter
) -> BatchResult:
    """All or nothing: if any report is invalid, none is stored and every bad field is named."""
    limit = runtime.settings.max_batch_reports
    if len(batch.reports) > limit:
        raise Invalid(
            f"a batch holds at most {limit} reports; this one has {len(batch.reports)}",
            fields=[{"loc": ["body", "reports"], "msg": f"at most {limit} reports"}],
        )
    results = _ingest(db, clock, runtime, user, batch.reports)
    created = sum(r.created for r in results)
    return BatchResult(
        results=results,
        created=created,
        duplicates=len(results) - created,
        cases_opened=sum(r.case_opened for r in results),
    )


@router.get("/{report_id}", response_model=ReportOut, responses=responses(401, 403, 404, 422))
def get_report(report_id: IdPath, db: DbSession, user: Reader) -> ReportOut:
    """One report as received, with its triage and (for roles that may see it) its evidence."""
    report = intake.get_or_raise(db, report_id=report_id)
    return intake.report_out(db, report, with_evidence=can(user.role, Permission.EVIDENCE_READ))
