"""Shift hand-off routes: read the brief, record that the shift was handed over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.oncall import handoff
from watchfloor.oncall.handoff_schemas import HandoffBrief, HandoffIn, HandoffRecordOut

router = APIRouter(prefix="/api/v1/handoff", tags=["oncall"])
Reader = Annotated[User, Depends(require(Permission.QUEUES_READ))]
# Handing the floor over is a shift lead's act: the same people who may act on anyone's case.
Lead = Annotated[User, Depends(require(Permission.CASES_ASSIGN_ANY))]


@router.get("", response_model=HandoffBrief, responses=responses(401, 403, 422))
def get_brief(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Reader,
    shift_hours: Annotated[float, Query(gt=0, le=24, description="Length of the next shift.")] = 8,
) -> HandoffBrief:
    """Open P0/P1 cases with owners, cases due in the next shift, pages since the last hand-off,
    and unusual volume by harm area against the same hour last week. Roles that may not see
    evidence get no summary of a graphic-area case (`summary` null, `withheld` says why)."""
    return handoff.brief(
        db,
        clock,
        runtime.config.oncall,
        shift_hours=shift_hours,
        withheld=exposure.withheld_areas(runtime.config.taxonomy, role=user.role),
    )


@router.post(
    "", status_code=201, response_model=HandoffRecordOut, responses=responses(401, 403, 422)
)
def record_handoff(body: HandoffIn, db: DbSession, clock: ClockDep, user: Lead) -> HandoffRecordOut:
    """Record that you took the hand-off now; the next brief covers what happened since."""
    return handoff.record(db, clock, by=user, note=body.note)
