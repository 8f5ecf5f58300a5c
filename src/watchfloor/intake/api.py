"""Intake routes: one report, a batch, and reading a report back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import State

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import flows as case_flows
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.intake import backlog, flows
from watchfloor.intake.group_commit import Announcement, GroupCommit
from watchfloor.intake.json_bodies import OnePassRoute
from watchfloor.intake.schemas import (
    AcceptedBatch,
    BatchResult,
    IngestResult,
    Receipt,
    ReportBatchIn,
    ReportIn,
    ReportOut,
)
from watchfloor.runtime import Runtime

router = APIRouter(prefix="/api/v1/reports", tags=["intake"], route_class=OnePassRoute)
Submitter = Annotated[User, Depends(require(Permission.REPORTS_CREATE))]
Reader = Annotated[User, Depends(require(Permission.REPORTS_READ))]
# Documented as free text: RFC 7240 has a server ignore preferences it does not know, so no
# value is invalid, and every Prefer header a request carries is read (``_prefers_async``).
PreferHeader = Annotated[
    str | None,
    Header(
        description="`respond-async` (RFC 7240): store the reports now and answer 202 at once; "
        "the worker triages them and puts them on cases within moments. Other preferences "
        "are ignored."
    ),
]

# Single reports sent at the same moment are stored together, up to this many a transaction.
GROUP_MAX = 64
SingleReports = GroupCommit[str, ReportIn, IngestResult | Receipt]


def _ingest(
    db: Session, clock: Clock, runtime: Runtime, actor: str, reports: list[ReportIn]
) -> list[IngestResult]:
    return flows.ingest(
        db,
        clock,
        config=runtime.config,
        link_window=runtime.settings.link_window,
        reports=reports,
        actor=actor,
    )


class Arrival(NamedTuple):
    groups: SingleReports
    announcement: Announcement


async def arriving_report(request: Request) -> AsyncIterator[Arrival]:
    """This app's group commit for single reports (``watchfloor.intake.group_commit``), with this
    request's report announced to it while its sender is authenticated, so a group about to be
    stored can wait a moment for it. Declared before the sender, so it runs first.

    Reports to triage now and reports for the intake backlog (``Prefer: respond-async``) are
    grouped apart: each kind of group is stored by its own function."""
    later = _prefers_async(request.headers.getlist("prefer"))
    groups = _single_reports(request.app.state, later=later)
    with groups.announce() as announcement:
        yield Arrival(groups, announcement)


def _single_reports(state: State, *, later: bool) -> SingleReports:
    """Made on first use. Each group is one unit of work in a session of its own: the same
    boundary as a request's, shared by the requests in the group, with one actor per group."""
    name = "single_reports_later" if later else "single_reports"
    groups: SingleReports | None = getattr(state, name, None)
    if groups is None:

        def store(actor: str, reports: list[ReportIn]) -> list[IngestResult | Receipt]:
            runtime: Runtime = state.runtime
            with session_scope(runtime.sessions) as db:
                if later:
                    return list(
                        backlog.accept(
                            db,
                            runtime.clock.now(),
                            config=runtime.config,
                            reports=reports,
                            actor=actor,
                        )
                    )
                return list(_ingest(db, runtime.clock, runtime, actor, reports))

        groups = GroupCommit(store, max_group=GROUP_MAX)
        setattr(state, name, groups)
    return groups


@router.post(
    "",
    status_code=201,
    response_model=IngestResult,
    responses={
        200: {"model": IngestResult, "description": "A repeat: the original report"},
        202: {
            "model": Receipt,
            "description": "With `Prefer: respond-async`: stored, to be triaged by the worker",
        },
        **responses(401, 403, 413, 422),
    },
    summary="Submit one report",
)
def submit(
    report: ReportIn,
    arrival: Annotated[Arrival, Depends(arriving_report, scope="function")],
    db: DbSession,
    user: Submitter,
    response: Response,
    prefer: PreferHeader = None,  # read by arriving_report; named here for the schema
) -> IngestResult | Response:
    """Triage a report and put it on a case: the open case about the same subject and harm area,
    or a new one. Sending the same (source, external_id) again returns the original with 200.

    Reports that arrive at the same moment are committed together (one transaction for several
    requests, each answered only once it is stored); a report that fails is retried alone, so
    each request gets the answer it would have got by itself.

    With `Prefer: respond-async` the report is only stored, and answered 202 with a receipt;
    the worker triages it moments later, as for a batch."""
    actor = f"user:{user.username}"
    # This request's own session only found the caller. End its transaction before waiting:
    # the group writes in a session of its own, and on SQLite it needs the write turn that
    # this session would otherwise hold until the response.
    db.close()
    try:
        result = arrival.groups.submit(actor, report, arrival.announcement)
    except Invalid as exc:
        raise _named_from_body(exc) from None
    if isinstance(result, Receipt):
        return _accepted(result)
    if not result.created:
        response.status_code = 200
    return result


def _named_from_body(error: Invalid) -> Invalid:
    """The error with its fields named as this endpoint's body has them ("body.category"), not as
    in the batch of one it was checked in ("body.reports.0.category")."""
    batch_of_one = ["body", "reports", 0]
    fields = [
        {**f, "loc": ["body", *f["loc"][3:]]} if f.get("loc", [])[:3] == batch_of_one else f
        for f in error.fields
    ]
    return Invalid(str(error), fields=fields)


@router.post(
    "/batch",
    response_model=BatchResult,
    responses={
        202: {
            "model": AcceptedBatch,
            "description": "With `Prefer: respond-async`: stored, to be triaged by the worker",
        },
        **responses(401, 403, 413, 422),
    },
    summary="Submit up to 1,000 reports at once",
)
def submit_batch(
    batch: ReportBatchIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Submitter,
    request: Request,
    prefer: PreferHeader = None,  # named here for the schema; every Prefer header is read
) -> BatchResult | Response:
    """All or nothing: if any report is invalid, none is stored and every bad field is named.

    By default each report is triaged and placed on a case before the answer. A system that
    sends in bulk and does not need the triage in the answer should send `Prefer: respond-async`:
    the batch is only stored (its SLA clocks start now) and answered 202, several times faster;
    sending a report again later returns its case."""
    limit = runtime.settings.max_batch_reports
    if len(batch.reports) > limit:
        raise Invalid(
            f"a batch holds at most {limit} reports; this one has {len(batch.reports)}",
            fields=[{"loc": ["body", "reports"], "msg": f"at most {limit} reports"}],
        )
    actor = f"user:{user.username}"
    if _prefers_async(request.headers.getlist("prefer")):
        receipts = backlog.accept(
            db, clock.now(), config=runtime.config, reports=batch.reports, actor=actor
        )
        accepted = sum(r.created for r in receipts)
        return _accepted(
            AcceptedBatch(results=receipts, accepted=accepted, duplicates=len(receipts) - accepted)
        )
    results = _ingest(db, clock, runtime, actor, batch.reports)
    created = sum(r.created for r in results)
    return BatchResult(
        results=results,
        created=created,
        duplicates=len(results) - created,
        cases_opened=sum(r.case_opened for r in results),
    )


def _accepted(body: Receipt | AcceptedBatch) -> Response:
    return Response(
        body.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Preference-Applied": "respond-async"},
    )


def _prefers_async(prefer: list[str] | None) -> bool:
    """Whether the Prefer header(s) ask for ``respond-async`` (RFC 7240: comma-separated
    preferences, each possibly with a value and parameters; names are case-insensitive)."""
    for header in prefer or []:
        for preference in header.split(","):
            if preference.split(";")[0].split("=")[0].strip().lower() == "respond-async":
                return True
    return False


@router.get("/{report_id}", response_model=ReportOut, responses=responses(401, 403, 404, 422))
def get_report(
    report_id: IdPath, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Reader
) -> ReportOut:
    """One report as received, with its triage and (for roles that may see it) its evidence.

    Withheld as on its case (`GET /api/v1/cases/{key}`), each place saying so in `withheld`:
    hidden evidence text until you reveal it, graphic-area report text from roles that may not
    see evidence."""
    return case_flows.report_for(
        db, clock, report_id=report_id, user=user, taxonomy=runtime.config.taxonomy
    )
