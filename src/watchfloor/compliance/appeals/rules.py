"""What the law says of an appeal, without a database: when the window to lodge one closes,
who may decide it, and the plain-language answer the appellant receives (DSA Art. 20)."""

from __future__ import annotations

from datetime import datetime

from watchfloor.compliance.clocks.obligations import Obligation
from watchfloor.compliance.statements.config import Redress
from watchfloor.errors import Forbidden, Invalid

WINDOW = "dsa_20_appeal_window"
DECIDE = "dsa_20_decide_appeal"
APPELLANTS = ("affected_user", "notifier")
OUTCOMES = ("upheld", "overturned")
# Roles that are machines, never people: Art. 20(6) wants a person to decide.
MACHINE_ROLES = frozenset({"intake"})


def field_error(name: str, message: str) -> Invalid:
    """A 422 naming the body field and what is wrong with it."""
    return Invalid(f"{name}: {message}", fields=[{"loc": ["body", name], "msg": message}])


def window_closes_at(window: Obligation, told_at: datetime) -> datetime:
    """When the appeal window opened by telling the user at ``told_at`` closes: the obligation's
    span in calendar months (31 August + 6 months is the last day of February)."""
    span = window.due.within
    if span is None:  # config validation makes a law-set window carry its span
        raise ValueError(f"{window.id} has no `within`")
    return span.after(told_at)


def check_received(
    *, received_at: datetime, now: datetime, decided_at: datetime, closes_at: datetime
) -> None:
    """422 naming received_at when it is in the future, before the decision, or after the window."""
    if received_at > now:
        raise field_error(
            "received_at",
            f"{received_at.isoformat()} is in the future; give when the appeal arrived",
        )
    if received_at < decided_at:
        raise field_error(
            "received_at",
            f"{received_at.isoformat()} is before the decision ({decided_at.isoformat()}) "
            "it appeals",
        )
    if received_at > closes_at:
        raise field_error(
            "received_at",
            f"the window to appeal this decision closed at {closes_at.isoformat()} "
            "(six months after the user was told of it, DSA Art. 20(1)); this appeal came "
            f"at {received_at.isoformat()}",
        )


def check_decider(*, role: str, username: str, original_decider: str) -> None:
    """Art. 20(6): a person decides, and not the one who took the decision appealed."""
    if role in MACHINE_ROLES:
        raise Forbidden(
            f"{username} is a system ({role}); an appeal is decided by a person "
            "(DSA Art. 20(6)), never by automated means"
        )
    if username == original_decider:
        raise Invalid(
            f"decided_by: {username} took the decision appealed; another person must decide "
            "the appeal (DSA Art. 20(6))",
            fields=[
                {
                    "loc": ["body", "decided_by"],
                    "msg": f"{username} took the original decision: another person decides",
                }
            ],
        )


def check_outcome(*, outcome: str, changes: str | None) -> str | None:
    """The changes an overturn makes (required there, meaningless for an upheld decision)."""
    said = (changes or "").strip() or None
    if outcome == "overturned" and said is None:
        raise field_error(
            "changes",
            "say what changes now the decision is reversed (content restored, suspension "
            "lifted...): the appellant is told",
        )
    if outcome == "upheld" and said is not None:
        raise field_error("changes", "an upheld decision stands and changes nothing: leave it out")
    return said


def answer(
    *,
    case_key: str,
    outcome: str,
    reasons: str,
    changes: str | None,
    redress: Redress | None,
) -> str:
    """The reasoned decision the appellant receives (Art. 20(5)), with the other ways to seek
    redress that remain open (out-of-court settlement, Art. 21, and the courts)."""
    if outcome == "overturned":
        head = (
            "We reviewed your complaint and reversed our decision. "
            f"What changes: {(changes or 'the decision no longer applies').rstrip('.')}."
        )
    else:
        head = "We reviewed your complaint and our decision stands."
    bodies = (
        f" (the certified bodies are listed at {redress.dispute_settlement_url})" if redress else ""
    )
    return "\n".join(
        [
            f"Your complaint about {case_key}",
            "",
            head,
            f"Why: {reasons.strip()}",
            "A person, not an automated system, reviewed your complaint.",
            "",
            "If you still disagree",
            f"1. Take the dispute to a certified out-of-court dispute settlement body{bodies} "
            "(DSA Art. 21). Its decision does not bind you.",
            "2. Go to court: you keep the right to challenge the decision before the courts of "
            "your country at any time.",
        ]
    )
