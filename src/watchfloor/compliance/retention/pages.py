"""The console's retention page (/legal/retention): the latest runs of the daily retention job
and the periods it applies. The logic is service.py's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.retention import service
from watchfloor.deps import DbSession, RuntimeDep
from watchfloor.web.console import Visitor, page_for, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.RETENTION_READ)]
# Words for the log, so nobody has to know the config's keys.
LABELS = {
    "report_text": "Report text",
    "evidence_files": "Evidence files",
    "subject_identifiers": "Subject identifiers",
    "reporter_identifiers": "Reporter identifiers",
    "decision_rationales": "Decision rationales",
    "case_notes": "Case notes",
    "statements_of_reasons": "Statements of reasons",
    "outbox_deliveries": "Webhook deliveries",
    "outbox_emails": "E-mails sent",
    "sessions": "Console sign-ins",
    "audit_log": "Audit log",
}


@router.get("/legal/retention")
def retention_page(
    request: Request, db: DbSession, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    """The latest runs, newest first, and the periods in force."""
    runs = service.recent_runs(db, limit=30)
    rules = runtime.config.retention.data_types.items()
    return render(request, "retention.html", visitor, runs=runs, rules=rules, labels=LABELS)
