"""Legal request routes: take a request in, list and read them, record the response package
and export it. The logic is flows.py's, service.py's and responses.py's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.clocks.readings import field_error
from watchfloor.compliance.requests import classify, flows, responses, service
from watchfloor.compliance.requests.form import country_code
from watchfloor.compliance.requests.schemas import (
    ClassifyIn,
    RequestIn,
    RequestOut,
    RequestSummary,
    ResponseIn,
    ResponseOut,
    Status,
)
from watchfloor.deps import ClockDep, CurrentUser, DbSession, IdPath, RuntimeDep, require
from watchfloor.http_errors import responses as error_responses

router = APIRouter(tags=["compliance"])
CREATE = [Depends(require(Permission.LEGAL_REQUESTS_CREATE))]
MANAGE = [Depends(require(Permission.LEGAL_REQUESTS))]
ERRORS = error_responses(401, 403, 404, 409, 422)


@router.post(
    "/api/v1/legal/requests",
    status_code=201,
    response_model=RequestSummary,
    responses={
        200: {"model": RequestSummary, "description": "A repeat: the first request"},
        **error_responses(401, 403, 409, 422),
    },
    dependencies=CREATE,
)
def create_request(
    body: RequestIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    response: Response,
) -> RequestSummary:
    """Take in a request from an authority, a regulator or a data subject: a case in the legal
    queue, and the obligations its type attracts (config/obligations.yaml) started from
    `received_at`. Sending the same `external_id` again returns the first with 200."""
    row, created = flows.create(
        db,
        clock,
        config=runtime.config,
        link_window=runtime.settings.link_window,
        body=body,
        actor=f"user:{user.username}",
    )
    if not created:
        response.status_code = 200
    now = clock.now()
    found = service.obligations_of(db, runtime.config.obligations, now, row)
    return service.summary(row, service.due_of(found, row))


@router.get(
    "/api/v1/legal/requests",
    response_model=list[RequestSummary],
    responses=error_responses(401, 403, 422),
    dependencies=MANAGE,
)
def list_requests(
    db: DbSession,
    runtime: RuntimeDep,
    status: Status | None = None,
    request_type: Annotated[str | None, Query(max_length=32)] = None,
    country: Annotated[str | None, Query(max_length=8)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RequestSummary]:
    """Requests still to answer, the one due soonest first; then the others, newest first."""
    code = None
    if country is not None:
        try:
            code = country_code(country)
        except ValueError as exc:
            raise field_error("country", str(exc), where="query") from None
    rows = service.list_requests(
        db, status=status, request_type=request_type, country=code, limit=limit
    )
    now = runtime.clock.now()
    config = runtime.config.obligations
    dated = [(r, service.due_of(service.obligations_of(db, config, now, r), r)) for r in rows]
    return [service.summary(r, due) for r, due in service.soonest_first(dated)]


@router.get(
    "/api/v1/legal/requests/{request_id}",
    response_model=RequestOut,
    responses=ERRORS,
    dependencies=MANAGE,
)
def get_request(request_id: IdPath, db: DbSession, runtime: RuntimeDep) -> RequestOut:
    """A request: requester, legal basis, scope, its obligations with their clocks, and the
    response package so far."""
    row = service.get_or_raise(db, request_id=request_id)
    return service.read(db, runtime.config.obligations, runtime.clock.now(), row)


@router.post(
    "/api/v1/legal/requests/{request_id}/classification",
    response_model=RequestOut,
    responses=ERRORS,
    dependencies=MANAGE,
)
def classify_request(
    request_id: IdPath,
    body: ClassifyIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> RequestOut:
    """Say what a mailed request that needs classification is: it becomes an open request of
    that type, and the obligations it attracts start from `received_at` (default: when the
    mail arrived). 409 when it is classified already."""
    row = classify.classify(
        db,
        clock,
        config=runtime.config,
        request_id=request_id,
        body=body,
        actor=f"user:{user.username}",
    )
    return service.read(db, runtime.config.obligations, clock.now(), row)


@router.post(
    "/api/v1/legal/requests/{request_id}/responses",
    status_code=201,
    response_model=ResponseOut,
    responses=ERRORS,
    dependencies=MANAGE,
)
def add_response(
    request_id: IdPath,
    body: ResponseIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> ResponseOut:
    """Record an item of the response package: what was disclosed (data categories and
    identifiers), when, to whom, by whom and how; or a refusal with its reason. `final` answers
    the request; with `mark_met` its deadline obligations are recorded met at `at`."""
    item = responses.record(
        db,
        clock,
        runtime.config.obligations,
        request_id=request_id,
        body=body,
        actor=f"user:{user.username}",
        username=user.username,
    )
    return service.response_out(item)


@router.get(
    "/api/v1/legal/requests/{request_id}/package",
    response_model=RequestOut,
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"},
        **ERRORS,
    },
    dependencies=MANAGE,
)
def export_package(
    request_id: IdPath,
    db: DbSession,
    runtime: RuntimeDep,
    format: Literal["json", "csv"] = "json",
) -> RequestOut | Response:
    """The whole package: the request and every response item, as JSON or as CSV (one row per
    item)."""
    row = service.get_or_raise(db, request_id=request_id)
    package = service.read(db, runtime.config.obligations, runtime.clock.now(), row)
    if format == "json":
        return package
    name = f"{package.key}-package.csv"
    return Response(
        content=responses.to_csv(package),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
