"""Every event type Watchfloor sends through the outbox, in one registry: a webhook may subscribe
to any of them, each on its own, and nothing is sent under a type that is not here."""

from __future__ import annotations

from typing import Literal, get_args

EventType = Literal[
    "action.requested",
    "case.decided",
    "sla.warning",
    "sla.breached",
    "sla.escalated",
    "page.triggered",
    "page.escalated",
    "page.exhausted",
    "page.acknowledged",
    "page.resolved",
    "coverage.gap",
    "incident.declared",
    "incident.status_changed",
    "incident.role_assigned",
    "incident.update",
    "incident.update_due",
    "obligation.warning",
    "obligation.breached",
    "ncii.copy_found",
    "legal_request.received",
    "appeal.decided",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

# What each one says, for the webhook documentation and `GET /api/v1/webhooks/event-types`.
DESCRIPTIONS: dict[str, str] = {
    "action.requested": "A decision ordered an enforcement action (remove content, suspend…).",
    "case.decided": "An analyst decided a case (policy, violation or not).",
    "sla.warning": "A case's SLA clock passed its warning fraction.",
    "sla.breached": "A case's SLA clock breached; the case shows it was escalated.",
    "sla.escalated": "The shift lead is told of a breach (also by email).",
    "page.triggered": "On-call is paged (the first level of its escalation policy).",
    "page.escalated": "Nobody acknowledged in time: the next level is paged.",
    "page.exhausted": "Every level was paged and nobody acknowledged: the lead on shift and the "
    "catch-all are told.",
    "page.acknowledged": "Someone has the page; the others paged are told who.",
    "page.resolved": "The page is closed.",
    "coverage.gap": "A waiting P0/P1 case needs a skill or language nobody on shift has: the lead "
    "on shift is paged, once per case, before its first action is due.",
    "incident.declared": "An incident was declared (severity, title, commander, linked cases).",
    "incident.status_changed": "An incident moved to mitigated, resolved, closed or back to active.",
    "incident.role_assigned": "Someone was given an incident role (command handed over included).",
    "incident.update": "A stakeholder update, sent to the incident's own channels only.",
    "incident.update_due": "An incident missed its severity's update cadence: the commander is "
    "reminded, once per missed update.",
    "obligation.warning": "A legal obligation's clock reached its warning time "
    "(config/obligations.yaml warn_before): once per due time.",
    "obligation.breached": "A legal obligation fell due unmet: the case, the law's citation and "
    "who had to be told; once per due time.",
    "ncii.copy_found": "A known identical copy (same SHA-256) of imagery a TAKE IT DOWN request "
    "asked to remove, to remove too: the case, the copy's case and evidence id, never content.",
    "legal_request.received": "A legal request (law enforcement, regulator, data subject) was "
    "taken in: its key, case and type only, never its contents.",
    "appeal.decided": "A person decided a DSA Art. 20 appeal: the case, upheld or overturned "
    "(with the actions to reverse), and the reasoned answer for the appellant.",
}


class UnknownEventType(ValueError):
    """An event type missing from the registry: a programming error, caught by the tests."""


def check(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(
            f"event type {event_type!r} is not in notify/events.py; add it there so webhooks "
            "can subscribe to it"
        )
    return event_type
