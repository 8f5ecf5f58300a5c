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


@router.post(
    "/{name}/next",
    response_model=CaseOut,
    responses={
        204: {"description": "Nothing is waiting in this queue"},
        **responses(401, 403, 404),
    },
)
def claim_next(
    name: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> CaseOut | Response:
    """Claim the most urgent waiting case (priority, then earliest deadline, then oldest)."""
    case = queues.claim_next(db, clock, queues=runtime.config.queues, queue=name, analyst=user)
    if case is None:
        return Response(status_code=204)
    return flows.case_out(case, user.username)
