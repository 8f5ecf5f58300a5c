"""Statement-of-reasons routes: what a case's decisions were told to the DSA Transparency
Database and to the user, with the validation result. The logic is service.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from watchfloor.auth.permissions import Permission
from watchfloor.cases import service as cases
from watchfloor.compliance.statements import service as sor_service
from watchfloor.compliance.statements.models import StatementOfReasons
from watchfloor.deps import DbSession, require
from watchfloor.http_errors import responses

router = APIRouter(tags=["compliance"])
READ = [Depends(require(Permission.STATEMENTS_READ))]
Key = Annotated[str, Path(max_length=32, description="CASE-000123")]


class StatementOut(BaseModel):
    """One decision's statement of reasons. ``state``: invalid (never sent: ``problems`` says
    which rules it breaks), ready (waiting to be sent), submitted (``database_id`` is the
    Database's id), failed (``last_error`` says why)."""

    decision_id: int
    puid: str
    state: str
    problems: list[str]
    statement: dict[str, Any]
    user_statement: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    database_id: str | None
    created_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, row: StatementOfReasons) -> StatementOut:
        return cls(
            decision_id=row.decision_id,
            puid=row.puid,
            state=row.state,
            problems=row.problems,
            statement=row.body,
            user_statement=row.user_text,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            database_id=row.database_id,
            created_at=row.created_at,
            submitted_at=row.submitted_at,
        )


@router.get(
    "/api/v1/cases/{key}/statements",
    response_model=list[StatementOut],
    responses=responses(401, 403, 404, 422),
    dependencies=READ,
)
def case_statements(key: Key, db: DbSession) -> list[StatementOut]:
    """The statements of reasons of the case's decisions, oldest first (built by the worker's
    statements-of-reasons job within a minute of a decision)."""
    case = cases.get_or_raise(db, key=key)
    return [StatementOut.of(row) for row in sor_service.of_case(db, case_id=case.id)]
