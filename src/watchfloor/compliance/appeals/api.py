"""Appeal routes (DSA Art. 20): lodge one against a case's decision, list them, and decide one.
The logic is flows.py's and service.py's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import service as cases
from watchfloor.compliance.appeals import flows, service
from watchfloor.compliance.appeals.models import Appeal
from watchfloor.compliance.appeals.schemas import AppealDecisionIn, AppealIn, AppealOut
from watchfloor.deps import ClockDep, CurrentUser, DbSession, IdPath, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.runtime import Runtime

router = APIRouter(tags=["compliance"])
# Legal and leads follow appeals; intake systems and analysts lodge them; those who decide
# cases decide them (flows refuses a machine and the original decider).
READ = [Depends(require(Permission.LEGAL_CLOCKS))]
CREATE = [Depends(require(Permission.APPEALS_CREATE))]
DECIDE = [Depends(require(Permission.CASES_DECIDE))]
Key = Annotated[str, Path(max_length=32, description="CASE-000123")]
ERRORS = responses(401, 403, 404, 409, 422)


def _out(db: DbSession, runtime: Runtime, rows: list[Appeal]) -> list[AppealOut]:
    return service.to_out(
        db,
        rows,
        obligations=runtime.config.obligations,
        transparency=runtime.config.transparency,
        now=runtime.clock.now(),
    )


@router.post(
    "/api/v1/cases/{key}/appeals",
    status_code=201,
    response_model=AppealOut,
    responses={**ERRORS, 200: {"description": "The same (source, external_id) was lodged before"}},
    dependencies=CREATE,
)
def lodge(
    key: Key,
    body: AppealIn,
    response: Response,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> AppealOut:
    """Lodge an appeal against a decision of the case (default: its latest), within six months
    of the user being told of it. The case is reopened for a person to decide, and the
    dsa_20_decide_appeal clock starts."""
    row, new = flows.lodge(
        db, clock, key=key, body=body, actor=user, obligations=runtime.config.obligations
    )
    if not new:
        response.status_code = 200
    return _out(db, runtime, [row])[0]


@router.get(
    "/api/v1/cases/{key}/appeals",
    response_model=list[AppealOut],
    responses=ERRORS,
    dependencies=READ,
)
def case_appeals(key: Key, db: DbSession, runtime: RuntimeDep) -> list[AppealOut]:
    """The case's appeals, oldest first, with their outcomes."""
    case = cases.get_or_raise(db, key=key)
    return _out(db, runtime, service.of_case(db, case_id=case.id))


@router.get(
    "/api/v1/appeals",
    response_model=list[AppealOut],
    responses=responses(401, 403, 422),
    dependencies=READ,
)
def list_appeals(
    db: DbSession,
    runtime: RuntimeDep,
    state: Annotated[Literal["open", "decided"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[AppealOut]:
    """Open appeals, soonest due first, or decided ones, latest first."""
    found = _out(db, runtime, service.list_appeals(db, state=state, limit=limit))
    return service.soonest_first(found) if state == "open" else found


@router.get(
    "/api/v1/appeals/{appeal_id}",
    response_model=AppealOut,
    responses=ERRORS,
    dependencies=READ,
)
def get_appeal(appeal_id: IdPath, db: DbSession, runtime: RuntimeDep) -> AppealOut:
    return _out(db, runtime, [service.get_or_raise(db, appeal_id=appeal_id)])[0]


@router.post(
    "/api/v1/appeals/{appeal_id}/decision",
    response_model=AppealOut,
    responses=ERRORS,
    dependencies=DECIDE,
)
def decide(
    appeal_id: IdPath,
    body: AppealDecisionIn,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: CurrentUser,
) -> AppealOut:
    """Decide an appeal, as a person other than the one who took the decision: `upheld` (it
    stands) or `overturned` (say in `changes` what is reversed). The appellant's answer goes
    out as `appeal.decided`; the case is resolved again."""
    row = flows.decide(
        db,
        clock,
        appeal_id=appeal_id,
        body=body,
        actor=user,
        can_act_for_others=can(user.role, Permission.CASES_ASSIGN_ANY),
        obligations=runtime.config.obligations,
        transparency=runtime.config.transparency,
    )
    return _out(db, runtime, [row])[0]
