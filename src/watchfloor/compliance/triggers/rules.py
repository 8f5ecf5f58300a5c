"""Which starting events of config/obligations.yaml a case event means (pure: no database).

The rules, for counsel to check (they decide when a legal clock starts by itself):

- A report is a DSA Art. 16 notice (``notice_received``) when it comes from a trusted flagger
  (Art. 22 notices are Art. 16 notices given priority), when its metadata says
  ``"request_type": "dsa_notice"``, or when its source is ``dsa_notice`` or starts with
  ``dsa_notice:`` (the notice-and-action form). Its own reporter kind and request type decide
  what it attracts, so a trusted flagger's notice on a case a user reported first still gets
  the 24 h target.
- A report whose metadata says ``"request_type": "ncii_removal"`` is a TAKE IT DOWN removal
  request (``ncii_removal_requested``). Other request types (subpoenas, GDPR requests...) start
  their clocks when the legal request is taken in (compliance/requests), not here.
- Every decision -> ``decision_made``. A violation with a restricting action (the restricting
  kinds are the Transparency Database mapping's, config/transparency.yaml, so the Art. 17 clock
  and the statement job agree) -> ``restriction_applied`` and ``decision_notified``: nothing in
  Watchfloor records when the user was told, so the appeal window is counted from the decision,
  which never closes it sooner than the law allows.
- A violation decided in child_safety, or an action ``report_to_ncmec`` -> ``csam_apparent``. The
  action is the analyst saying the content is apparent child sexual exploitation, so the event is
  weighed as child_safety whatever the case's area (us_2258a_report applies to that area).
- An action ``refer_to_law_enforcement`` on a case in violence_threats or self_harm, or whose
  decision's rationale names a threat to life or safety -> ``threat_to_life_suspected``.
- Golden copies (quality's unannounced test cases) start nothing: nothing happened.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from watchfloor.compliance.clocks.obligations import CaseFacts

THREAT_AREAS = frozenset({"violence_threats", "self_harm"})
CHILD_SAFETY = "child_safety"
NOTICE_SOURCE = "dsa_notice"
# Request types a report itself may carry; the others come through the legal request intake.
REPORT_REQUEST_EVENTS = {
    "dsa_notice": "notice_received",
    "ncii_removal": "ncii_removal_requested",
}
_THREAT_WORDS = re.compile(r"threat(s|ened|ening)? to (life|(physical )?safety)", re.IGNORECASE)


@dataclass(frozen=True)
class Arrival:
    """A report as the trigger rules see it."""

    report_id: int
    case_id: int
    source: str
    reporter_kind: str
    received_at: datetime
    request_type: str | None  # what the report's metadata says it is, if anything
    golden: bool = False


@dataclass(frozen=True)
class DecisionMade:
    """A decision as the trigger rules see it, with what its case's first report says."""

    decision_id: int
    case_id: int
    decided_at: datetime
    harm_area: str
    policy_id: str
    violation: bool
    rationale: str
    actions: tuple[str, ...]
    reporter_kind: str | None
    request_type: str | None
    golden: bool = False


@dataclass(frozen=True)
class Start:
    """A starting event on a case, when it happened, and the facts that decide what it attracts."""

    event: str
    case_id: int
    at: datetime
    facts: CaseFacts
    cause: str  # for the audit trail: "report 12", "decision 7"


def is_notice(arrival: Arrival) -> bool:
    """Whether the report is a DSA Art. 16 notice (see the module's rules)."""
    return (
        arrival.reporter_kind == "trusted_flagger"
        or arrival.request_type == "dsa_notice"
        or arrival.source == NOTICE_SOURCE
        or arrival.source.startswith(NOTICE_SOURCE + ":")
    )


def request_type_of(arrival: Arrival) -> str | None:
    """What a case's first report makes the case: a DSA notice, or what its metadata says."""
    return "dsa_notice" if is_notice(arrival) else arrival.request_type


def report_starts(arrival: Arrival, *, harm_area: str | None, policy: str | None) -> list[Start]:
    """The starting events a report means; ``harm_area`` and ``policy`` are its case's."""
    if arrival.golden:
        return []
    found: list[Start] = []
    notice = is_notice(arrival)
    for request_type, event in REPORT_REQUEST_EVENTS.items():
        if request_type == "dsa_notice" and not notice:
            continue
        if request_type != "dsa_notice" and arrival.request_type != request_type:
            continue
        facts = CaseFacts(harm_area, policy, arrival.reporter_kind, request_type)
        found.append(
            Start(event, arrival.case_id, arrival.received_at, facts, f"report {arrival.report_id}")
        )
    return found


def decision_starts(decision: DecisionMade, *, restricting: Collection[str]) -> list[Start]:
    """The starting events a decision means (see the module's rules)."""
    if decision.golden:
        return []
    d = decision
    facts = CaseFacts(d.harm_area, d.policy_id, d.reporter_kind, d.request_type)
    cause = f"decision {d.decision_id}"
    events = ["decision_made"]
    if d.violation and any(kind in restricting for kind in d.actions):
        events += ["restriction_applied", "decision_notified"]
    found = [Start(e, d.case_id, d.decided_at, facts, cause) for e in events]
    if (d.violation and d.harm_area == CHILD_SAFETY) or "report_to_ncmec" in d.actions:
        child = CaseFacts(CHILD_SAFETY, d.policy_id, d.reporter_kind, d.request_type)
        found.append(Start("csam_apparent", d.case_id, d.decided_at, child, cause))
    if "refer_to_law_enforcement" in d.actions and (
        d.harm_area in THREAT_AREAS or _THREAT_WORDS.search(d.rationale)
    ):
        found.append(Start("threat_to_life_suspected", d.case_id, d.decided_at, facts, cause))
    return found
