"""Queue routes: what is waiting, and claiming the next case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import flows
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import CaseOut
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.queues import service as queues

router = APIRouter(prefix="/api/v1/queues", tags=["queues"])
Reader = Annotated[User, Depends(require(Permission.QUEUES_READ))]
Worker = Annotated[User, Depends(require(Permission.CASES_WORK))]


class QueueOut(BaseModel):
    name: str
    title: str
    description: str
    default: bool
    filters: dict[str, list[str]]
    waiting: dict[str, int]
    waiting_total: int


@router.get("", response_model=list[QueueOut], responses=responses(401, 403))
def list_queues(db: DbSession, runtime: RuntimeDep, user: Reader) -> list[QueueOut]:
    """Every queue in routing order, with its waiting cases by priority."""
    counts = cases.count_by_queue(db)
    return [
        QueueOut(
            name=q.name,
            title=q.title,
            description=q.description,
            default=q.default,
            filters=q.filters.model_dump(),
            waiting={p: counts.get(q.name, {}).get(p, 0) for p in ("P0", "P1", "P2", "P3")},
            waiting_total=sum(counts.get(q.name, {}).values()),
        )
        for q in runtime.config.queues.queues
    ]


def _claim(
    db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: User, queue: str | None
) -> CaseOut | Response:
    case = queues.claim_next(
        db,
        clock,
        queues=runtime.config.queues,
        queue=queue,
        analyst=user,
        taxonomy=runtime.config.taxonomy,
    )
    if case is None:
        return Response(status_code=204)
    return flows.case_out(case, user.username)


_NEXT_DOC = """

Only cases the caller is qualified for (their profile's skills and languages; none set: any),
and no graphic case once their daily graphic budget is spent. Cases whose first-action deadline
has passed or is within `due_margin_minutes` (config/queues.yaml) come first; within that and
the rest: priority, then earliest first-action deadline, then oldest. 409 when the caller
already holds their maximum of open cases."""


@router.post(
    "/{name}/next",
    response_model=CaseOut,
    responses={
        204: {"description": "Nothing the caller may take is waiting in this queue"},
        **responses(401, 403, 404, 409),
    },
    description="Claim the most urgent waiting case of this queue." + _NEXT_DOC,
)
def claim_next(
    name: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> CaseOut | Response:
    return _claim(db, clock, runtime, user, name)


next_router = APIRouter(prefix="/api/v1", tags=["queues"])


@next_router.post(
    "/next",
    response_model=CaseOut,
    responses={
        204: {"description": "Nothing the caller may take is waiting in any queue"},
        **responses(401, 403, 409),
    },
    description="Claim the most urgent waiting case of any queue." + _NEXT_DOC,
)
def claim_next_anywhere(
    db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> CaseOut | Response:
    return _claim(db, clock, runtime, user, None)
