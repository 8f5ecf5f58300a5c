"""Obligation routes: the open legal clocks of every case, a case's obligations, starting one
and recording what happens to it. The logic is compliance/clocks/service.py's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from watchfloor.auth.permissions import Permission
from watchfloor.cases import service as cases
from watchfloor.compliance.clocks import service
from watchfloor.compliance.clocks.readings import carried, pauses_of, to_out
from watchfloor.compliance.clocks.schemas import ObligationOut, StartIn, StepIn
from watchfloor.compliance.triggers.service import inputs_of
from watchfloor.deps import ClockDep, CurrentUser, DbSession, IdPath, RuntimeDep, require
from watchfloor.http_errors import responses

router = APIRouter(tags=["compliance"])
# The permission is checked by the route's dependencies; the caller comes from deps (this room
# reads no table of auth's, not even for a type).
READ = [Depends(require(Permission.LEGAL_CLOCKS_READ))]
KEEP = [Depends(require(Permission.LEGAL_CLOCKS))]
Key = Annotated[str, Path(max_length=32, description="CASE-000123")]
OpenState = Literal["running", "paused", "warning", "breached"]
ERRORS = responses(401, 403, 404, 409, 422)


@router.get(
    "/api/v1/compliance/obligations",
    response_model=list[ObligationOut],
    responses=responses(401, 403, 422),
    dependencies=KEEP,
)
def list_obligations(
    db: DbSession,
    runtime: RuntimeDep,
    state: Annotated[list[OpenState] | None, Query(description="May repeat")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[ObligationOut]:
    """Open obligations of every case, the one due soonest first (at equal times the higher
    priority); met ones and holds or windows that ran out are left out."""
    found = service.list_open(
        db, runtime.config.obligations, runtime.clock.now(), states=state, limit=limit
    )
    return [to_out(c) for c in found]


@router.get(
    "/api/v1/cases/{key}/obligations",
    response_model=list[ObligationOut],
    responses=ERRORS,
    dependencies=READ,
)
def case_obligations(key: Key, db: DbSession, runtime: RuntimeDep) -> list[ObligationOut]:
    """The obligations a case carries: open ones soonest first, then closed ones."""
    case = cases.get_or_raise(db, key=key)
    found = service.for_case(db, runtime.config.obligations, runtime.clock.now(), case_id=case.id)
    return [to_out(c) for c in found]


@router.post(
    "/api/v1/cases/{key}/obligations",
    status_code=201,
    response_model=ObligationOut,
    responses=ERRORS,
    dependencies=KEEP,
)
def start_obligation(
    key: Key,
    body: StartIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> ObligationOut:
    """Start an obligation's clock on the case (`obligation`: an id of config/obligations.yaml)
    from `started_at` (default: now); `response_due_at` for a request that sets its own date."""
    case = cases.get_or_raise(db, key=key)
    config = runtime.config.obligations
    row = service.start(
        db,
        clock,
        config,
        case_id=case.id,
        obligation_id=body.obligation,
        started_at=body.started_at,
        response_due_at=body.response_due_at,
        actor=f"user:{user.username}",
        follow_up=inputs_of(runtime.config).follow_up,
    )
    return to_out(carried(config, row, [], clock.now()))


@router.post(
    "/api/v1/cases/{key}/obligations/{obligation_row}/steps",
    response_model=ObligationOut,
    responses=ERRORS,
    dependencies=KEEP,
)
def record_step(
    key: Key,
    obligation_row: IdPath,
    body: StepIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> ObligationOut:
    """Record a step: `pause` (with one of the obligation's pause reasons), `resume`, `extend`
    (with the reasons sent to the requester), `renew` (a renewed request) or `met`. A step the
    law does not allow answers 422 naming the rule and changes nothing."""
    case = cases.get_or_raise(db, key=key)
    config = runtime.config.obligations
    row = service.record_step(
        db,
        clock,
        config,
        case_id=case.id,
        row_id=obligation_row,
        step=body.step,
        reason=body.reason,
        at=body.at,
        actor=f"user:{user.username}",
        follow_up=inputs_of(runtime.config).follow_up,
    )
    return to_out(carried(config, row, pauses_of(db, [row.id])[row.id], clock.now()))
