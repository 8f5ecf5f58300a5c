"""The console's statements-of-reasons preview (/cases/{key}/statements): each decision's
statement as the Transparency Database and the user receive it, with its validation result.
The logic is service.py's."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from watchfloor.auth.permissions import Permission
from watchfloor.cases import service as cases
from watchfloor.compliance.statements import service as sor_service
from watchfloor.deps import DbSession
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.STATEMENTS_READ)]
# Words, not colour alone, say where each statement stands.
STATES = {
    "invalid": "Not sent: it breaks the Database's rules",
    "ready": "Waiting to be sent",
    "submitted": "Sent: the Database holds it",
    "failed": "Failed: the Database refused it",
}


@router.get("/cases/{key}/statements")
def statements_page(
    request: Request,
    db: DbSession,
    visitor: Reader,
    key: Annotated[str, Path(max_length=32)],
) -> HTMLResponse:
    """The case's statements of reasons, oldest first."""
    case = cases.get_or_raise(db, key=key)
    found = sor_service.of_case(db, case_id=case.id)
    rows = [
        {
            "row": s,
            "label": STATES.get(s.state, s.state),
            "json": json.dumps(s.body, indent=2, ensure_ascii=False),
        }
        for s in found
    ]
    return render(request, "statements.html", visitor, key=key, rows=rows)
