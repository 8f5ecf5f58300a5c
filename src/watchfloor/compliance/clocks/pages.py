"""The console's legal view (/legal): every open legal clock, soonest due first, with its state,
due time in UTC, time left, the law and the case. The logic is compliance/clocks/service.py's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.clocks import service
from watchfloor.compliance.clocks.readings import Carried, seconds_left
from watchfloor.deps import DbSession, RuntimeDep
from watchfloor.web.console import Visitor, page_for, render
from watchfloor.web.display import duration

router = APIRouter(include_in_schema=False)
Keeper = Annotated[Visitor, page_for(Permission.LEGAL_CLOCKS)]
Shown = Literal["all", "breached", "warning", "paused", "running"]
TABS: dict[str, str] = {
    "all": "All open",
    "breached": "Breached",
    "warning": "Warning",
    "paused": "Paused",
    "running": "Running",
}
# Words, not colour alone, say how urgent a row is.
STATE_LABELS = {
    "breached": "Breached",
    "warning": "Warning",
    "paused": "Paused",
    "running": "Running",
}


@dataclass(frozen=True)
class ClockRow:
    """One open obligation as the legal view shows it."""

    case: str
    title: str
    citation: str
    law_url: str
    jurisdiction: str
    state: str
    state_label: str
    due_iso: str
    due_utc: str
    left: str
    started_utc: str


def _utc(value: datetime | None) -> str:
    return "open-ended" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _left(c: Carried) -> str:
    seconds = seconds_left(c.reading)
    if seconds is None:
        return "kept until released"
    if c.reading.state == "paused":
        return f"{duration(seconds)} left, stopped"
    if seconds < 0:
        return f"overdue by {duration(-seconds)}"
    return f"{duration(seconds)} left"


def rows_of(found: list[Carried]) -> list[ClockRow]:
    """The legal view's rows, in the order given."""
    return [
        ClockRow(
            case=c.case_key,
            title=c.obligation.title if c.obligation else c.row.obligation_id,
            citation=c.obligation.law.citation if c.obligation else "",
            law_url=c.obligation.law.url if c.obligation else "",
            jurisdiction=c.obligation.jurisdiction if c.obligation else "",
            state=c.reading.state,
            state_label=STATE_LABELS.get(c.reading.state, c.reading.state),
            due_iso="" if c.reading.due_at is None else c.reading.due_at.isoformat(),
            due_utc=_utc(c.reading.due_at),
            left=_left(c),
            started_utc=_utc(c.row.started_at),
        )
        for c in found
    ]


@router.get("/legal")
def legal_page(
    request: Request,
    db: DbSession,
    runtime: RuntimeDep,
    visitor: Keeper,
    show: Annotated[Shown, Query()] = "all",
) -> HTMLResponse:
    """Every open legal clock, soonest due first; ``?show=`` keeps one state."""
    found = service.list_open(db, runtime.config.obligations, runtime.clock.now())
    counts = {state: sum(1 for c in found if c.reading.state == state) for state in STATE_LABELS}
    shown = found if show == "all" else [c for c in found if c.reading.state == show]
    return render(
        request,
        "legal.html",
        visitor,
        rows=rows_of(shown),
        total=len(found),
        counts=counts,
        show=show,
        tabs=TABS,
    )
