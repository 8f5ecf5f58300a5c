"""Audit routes: read the trail of an object, and verify the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from watchfloor.audit import service as audit
from watchfloor.audit.models import AuditEvent
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import BeforeId, DbSession, require
from watchfloor.http_errors import responses

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[User, Depends(require(Permission.AUDIT_READ))]


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    chain: int
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    events: int
    problem: str | None
    seq: int | None


@router.get("", response_model=list[AuditEventOut], responses=responses(401, 403, 422))
def list_events(
    db: DbSession,
    _user: Auditor,
    object_id: Annotated[str | None, Query(max_length=64, description="e.g. CASE-000123")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: BeforeId = None,
) -> list[AuditEventOut]:
    """Audit events, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if object_id:
        wanted = object_id.upper() if object_id.upper().startswith("CASE-") else object_id
        stmt = stmt.where(AuditEvent.object_id == wanted)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    return [AuditEventOut.model_validate(e) for e in db.scalars(stmt)]


@router.get("/verify", response_model=VerifyOut, responses=responses(401, 403))
def verify(db: DbSession, _user: Auditor) -> VerifyOut:
    """Walk the whole chain; name the first event that was edited or deleted, if any."""
    result = audit.verify(db)
    return VerifyOut(ok=result.ok, events=result.events, problem=result.problem, seq=result.seq)
