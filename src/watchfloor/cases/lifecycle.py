"""The case lifecycle: which action moves a case from which status to which (pure).

new ──triage──► triaged ──assign/claim──► assigned ──start_review──► in_review
 │                 ▲                         │  ▲                       │
 │              release                      │  └────── info_received ──┤
 │                 │                  request_info ──► pending_info ◄───┘
 └── escalate ──► escalated ◄── escalate ── (assigned, in_review, pending_info, triaged)
resolve: from assigned, in_review, pending_info, escalated ──► resolved ──close──► closed
reopen: resolved or closed ──► triaged (back in its queue, unassigned)
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    PENDING_INFO = "pending_info"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


S = Status

# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "triage": (frozenset({S.NEW}), S.TRIAGED),
    "assign": (frozenset({S.NEW, S.TRIAGED, S.ESCALATED}), S.ASSIGNED),
    "release": (frozenset({S.ASSIGNED, S.IN_REVIEW}), S.TRIAGED),
    "start_review": (frozenset({S.ASSIGNED, S.PENDING_INFO}), S.IN_REVIEW),
    "request_info": (frozenset({S.ASSIGNED, S.IN_REVIEW}), S.PENDING_INFO),
    "info_received": (frozenset({S.PENDING_INFO}), S.IN_REVIEW),
    "escalate": (
        frozenset({S.NEW, S.TRIAGED, S.ASSIGNED, S.IN_REVIEW, S.PENDING_INFO}),
        S.ESCALATED,
    ),
    "resolve": (frozenset({S.ASSIGNED, S.IN_REVIEW, S.PENDING_INFO, S.ESCALATED}), S.RESOLVED),
    "close": (frozenset({S.RESOLVED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.CLOSED}), S.TRIAGED),
}

OPEN_STATUSES = frozenset(set(Status) - {S.RESOLVED, S.CLOSED})
# A case waiting to be picked up from its queue.
CLAIMABLE_STATUSES = frozenset({S.NEW, S.TRIAGED})


class IllegalTransition(Exception):
    """``action`` is not allowed from ``current``; ``allowed`` lists what is."""

    def __init__(self, current: Status, action: str, allowed: list[str]) -> None:
        self.current = current
        self.action = action
        self.allowed = allowed
        if action not in TRANSITIONS:
            what = f"unknown action {action!r}; actions are: {', '.join(TRANSITIONS)}"
        else:
            what = f"cannot {action} a case that is {current.value}"
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(f"{what}; allowed from {current.value}: {allowed_text}")


def allowed_actions(current: Status) -> list[str]:
    """The actions that may be taken on a case in ``current`` status, in a stable order."""
    return [name for name, (sources, _) in TRANSITIONS.items() if current in sources]


def next_status(current: Status, action: str) -> Status:
    """The status ``action`` leads to from ``current``, or IllegalTransition."""
    rule = TRANSITIONS.get(action)
    if rule is None or current not in rule[0]:
        raise IllegalTransition(current, action, allowed_actions(current))
    return rule[1]
