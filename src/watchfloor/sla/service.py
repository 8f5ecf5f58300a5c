"""A case's SLA clocks: start them, pause and resume them with the case's status, read them.

These functions change a Case in memory (the caller holds it locked and records the audit event);
the sweep that raises warnings and breaches is in sla/flows.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from watchfloor.cases.lifecycle import Status
from watchfloor.cases.models import Case
from watchfloor.sla.clocks import Calendar, add, business_time, clock_state
from watchfloor.sla.policy import Deadlines, SlaConfig
from watchfloor.triage.taxonomy import Priority

# The clock does not run while the case waits on someone outside the team, or is done.
STOPPED = frozenset({Status.PENDING_INFO, Status.RESOLVED, Status.CLOSED})


def start_columns(
    sla: SlaConfig,
    *,
    priority: Priority,
    harm_area: str,
    sla_class: str | None,
    opened_at: datetime,
) -> dict[str, datetime | None]:
    """The clock columns of a case opening now (for a bulk insert of new cases)."""
    legal = sla.legal_deadline(sla_class, opened_at)
    d = sla.deadlines(
        priority=priority, harm_area=harm_area, opened_at=opened_at, legal_due_at=legal
    )
    return {**_columns(d), "legal_due_at": legal}


def reschedule(case: Case, sla: SlaConfig) -> None:
    """Recompute due and warning times from the case's priority, harm area and paused time."""
    d = sla.deadlines(
        priority=case.priority,
        harm_area=case.harm_area,
        opened_at=case.created_at,
        paused=timedelta(seconds=case.sla_paused_seconds),
        legal_due_at=case.legal_due_at,
    )
    for name, value in _columns(d).items():
        setattr(case, name, value)


def on_status_change(
    case: Case, *, before: Status, after: Status, now: datetime, sla: SlaConfig | None
) -> dict[str, object]:
    """Pause or resume the clocks for a status change; what changed, for the audit event.

    A resume moves each due and warning time later by the clock time the pause lasted (on the
    calendar of the case's SLA policy; wall-clock time without ``sla``, exact on a 24/7
    calendar), never past the case's legal deadline, which does not pause. Due times once set
    change only so, or by an explicit recompute (sla_recompute): never because the case's
    priority is not the one they were computed for.
    """
    if after in STOPPED and case.sla_paused_at is None:
        case.sla_paused_at = now
        return {"sla_paused_at": now.isoformat()}
    if before in STOPPED and after not in STOPPED and case.sla_paused_at is not None:
        since = case.sla_paused_at
        calendar = sla.policy(case.priority, case.harm_area).calendar if sla is not None else None
        paused = business_time(calendar, since, now) if calendar is not None else now - since
        case.sla_paused_at = None
        case.sla_paused_seconds += paused.total_seconds()
        _shift(case, paused, calendar)
        return {
            "sla_resumed": {
                "paused_since": since.isoformat(),
                "paused_seconds": paused.total_seconds(),
                "first_action_due_at": case.first_action_due_at.isoformat(),
                "resolve_due_at": case.resolve_due_at.isoformat(),
            }
        }
    return {}


def _shift(case: Case, paused: timedelta, calendar: Calendar | None) -> None:
    """Each clock's due and warning times, ``paused`` of clock time later (capped as above)."""

    def later(when: datetime) -> datetime:
        return add(calendar, when, paused) if calendar is not None else when + paused

    legal = case.legal_due_at
    for due_name, warn_name in (
        ("first_action_due_at", "first_action_warn_at"),
        ("resolve_due_at", "resolve_warn_at"),
    ):
        due, warn = getattr(case, due_name), getattr(case, warn_name)
        new_due = later(due)
        if legal is not None:
            new_due = max(due, min(new_due, legal))
        setattr(case, due_name, new_due)
        setattr(case, warn_name, min(later(warn), new_due))


def view(case: Case, now: datetime) -> dict[str, object]:
    """Due times, time remaining and state of both clocks (the case schema's ``sla`` field)."""
    clocks: dict[str, object] = {}
    for name, due, warn, done, breached in (
        (
            "first_action",
            case.first_action_due_at,
            case.first_action_warn_at,
            case.first_action_at,
            case.first_action_breached_at,
        ),
        (
            "resolution",
            case.resolve_due_at,
            case.resolve_warn_at,
            case.resolved_at,
            case.resolve_breached_at,
        ),
    ):
        state, remaining = clock_state(
            due_at=due,
            warn_at=warn,
            done_at=done,
            paused_at=case.sla_paused_at,
            breached_at=breached,
            now=now,
        )
        clocks[name] = {
            "due_at": due,
            "warn_at": warn,
            "state": state,
            "remaining_seconds": int(remaining.total_seconds()),
            "breached_at": breached,
        }
    return {
        **clocks,
        "paused_since": case.sla_paused_at,
        "paused_seconds": int(case.sla_paused_seconds),
        "legal_due_at": case.legal_due_at,
    }


def _columns(d: Deadlines) -> dict[str, datetime | None]:
    return {
        "first_action_due_at": d.first_action_due_at,
        "first_action_warn_at": d.first_action_warn_at,
        "resolve_due_at": d.resolve_due_at,
        "resolve_warn_at": d.resolve_warn_at,
    }
