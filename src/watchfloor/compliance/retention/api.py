"""GET /api/v1/compliance/retention/runs: what the daily retention job did. The logic is
service.py's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.retention import service
from watchfloor.compliance.retention.schemas import RetentionRunOut
from watchfloor.deps import DbSession, require
from watchfloor.http_errors import responses

router = APIRouter(prefix="/api/v1/compliance/retention", tags=["compliance"])


@router.get(
    "/runs",
    response_model=list[RetentionRunOut],
    responses=responses(401, 403, 422),
    dependencies=[Depends(require(Permission.RETENTION_READ))],
)
def list_runs(
    db: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 60
) -> list[RetentionRunOut]:
    """The latest retention runs, newest first: counts per data type, never the content."""
    return [RetentionRunOut.model_validate(r) for r in service.recent_runs(db, limit=limit)]
