"""What a demo analyst does with a case they took: how long it takes, what they decide and why,
and the notes and reasons they write (pure: no database; deterministic for a random.Random)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from watchfloor.cases.schemas import ActionIn, DecisionIn
from watchfloor.triage.taxonomy import Taxonomy

Outcome = Literal["decide", "request_info", "escalate"]

# Minutes one case takes to read, check and decide, by priority (0 = P0): urgent cases are
# read more carefully and usually have more reports and evidence.
HANDLING_MINUTES: dict[int, tuple[float, float]] = {0: (12, 30), 1: (7, 18), 2: (3, 9), 3: (2, 6)}
# Areas whose cases take longer: legal requests, data-subject requests, child safety reports.
SLOWER_AREAS = {"legal_regulatory": 1.8, "privacy": 1.5, "child_safety": 1.3}

# What a typical violating decision orders, per harm area.
ACTIONS: dict[str, list[str]] = {
    "child_safety": ["ban_account", "preserve_data", "report_to_ncmec"],
    "violent_extremism": ["remove_content", "ban_account", "preserve_data"],
    "violence_threats": ["remove_content", "suspend_account"],
    "self_harm": ["refer_to_law_enforcement", "notify_reporter"],
    "sexual_content": ["remove_content", "warn_user"],
    "hate": ["remove_content", "warn_user"],
    "harassment": ["remove_content", "restrict_feature"],
    "fraud_scams": ["suspend_account", "remove_content"],
    "developer_abuse": ["revoke_api_key", "restrict_feature"],
    "privacy": ["remove_content", "notify_reporter"],
    "legal_regulatory": ["preserve_data", "notify_reporter"],
    "spam_manipulation": ["remove_content", "suspend_account"],
    "regulated_goods": ["remove_content", "warn_user"],
    "unclassified": ["warn_user"],
}

# Why an analyst asks the incident manager (the shift lead) instead of deciding.
ESCALATION_REASONS: dict[str, list[str]] = {
    "legal_regulatory": [
        "Order from a court outside the EU: legal must confirm we have to comply before we act.",
        "Regulator asks for data we may not hold any more; needs legal before we answer.",
    ],
    "privacy": [
        "Erasure request names a second person whose data is in the same posts; needs the DPO.",
    ],
    "child_safety": [
        "Possible ongoing abuse with a location: incident manager to decide on an emergency "
        "referral besides the NCMEC report.",
    ],
    "violence_threats": [
        "Threat names a date and a school: incident manager to decide on a law-enforcement "
        "referral.",
    ],
    "violent_extremism": [
        "Account posts for a group that is not on our designated list yet: needs a policy call.",
    ],
    "self_harm": ["User says tonight and gives a place: risk to life, asking for a welfare check."],
}
GENERIC_ESCALATIONS = [
    "Satire or harassment? The policy examples do not settle it: asking for a policy call.",
    "Verified public figure with a large following: needs a lead's sign-off before enforcing.",
]

INFO_REQUESTS: dict[str, list[str]] = {
    "legal_regulatory": [
        "Asked the requesting agency for the legal basis and their case number.",
        "Asked the requester for a signed copy of the order; the scan is unreadable.",
    ],
    "privacy": ["Asked the requester to confirm their identity before we act on the request."],
    "fraud_scams": [
        "Asked the reporter for the payment reference and the date they paid.",
        "Asked payments risk whether the card fingerprint appears on other accounts.",
    ],
}
GENERIC_INFO_REQUESTS = [
    "Asked the reporter for a link to the post and a screenshot; the report names neither.",
    "Asked the reporter which account sent the messages: the handle in the report is not found.",
]

NOTES: dict[str, list[str]] = {
    "fraud_scams": [
        "Same payout domain as two cases decided this morning; probably one ring.",
        "Checked the linked accounts: shared device id with an account banned last week.",
    ],
    "spam_manipulation": ["Part of the same burst of new accounts; actioned the ones reported."],
    "harassment": ["Reporter and subject have a long history of mutual reports; read both sides."],
    "hate": ["Translated with the glossary: the slur is explicit in the original."],
    "developer_abuse": ["API key's request rate tripled in an hour; the key owner was told."],
    "violence_threats": ["Police liaison informed by phone; reference in the decision."],
    "child_safety": ["Evidence preserved before removal; NCMEC report filed from the decision."],
    "self_harm": ["Sent the in-app support resources to the user before deciding."],
}
GENERIC_NOTES = [
    "Reporter sent more context by email; it matches the reports here.",
    "Checked the subject's earlier cases: one warning on record, nothing since.",
    "Read the reports in the original language, not the machine translation.",
]

LEAD_GUIDANCE = [
    "Incident manager: act on it now under the policy; legal agrees, note the reference.",
    "Policy call: this is covered by the existing examples, enforce as usual.",
    "Legal: we must comply; preserve the data first, then act.",
]

_VIOLATION_RATIONALES = [
    "Content clearly meets {policy}; action per the playbook.",
    "{reports} report(s) corroborate each other and the evidence matches {policy}.",
    "Confirmed against the definition and examples of {policy}; prior warning on record.",
    "Matches the campaign linked to this subject; actioned as the linked cases were.",
]
_NO_VIOLATION_RATIONALES = [
    "Reviewed the reported content and the account's history: no policy is broken.",
    "In context this is news reporting or satire, which the policy allows; reporter informed.",
    "Not enough to show a violation after reading every report and the history.",
    "Disagreement between users, not {area}: no action, both told how to block.",
]


@dataclass(frozen=True)
class CaseInHand:
    """What an analyst knows of the case they took, enough to work it."""

    key: str
    priority: int
    harm_area: str
    suggested_policy: str | None
    report_count: int


def handling_minutes(rng: random.Random, case: CaseInHand) -> float:
    """How long working ``case`` takes this analyst, in minutes."""
    low, high = HANDLING_MINUTES.get(case.priority, (3, 9))
    return rng.uniform(low, high) * SLOWER_AREAS.get(case.harm_area, 1.0)


def outcome(rng: random.Random, case: CaseInHand, *, lead_on_shift: bool) -> Outcome:
    """Decide it, ask someone outside the team, or escalate it to the shift lead."""
    asks = 0.12 if case.harm_area in INFO_REQUESTS else 0.04
    escalates = 0.12 if case.harm_area in ESCALATION_REASONS and case.priority <= 1 else 0.02
    if not lead_on_shift:
        escalates = 0.0  # with nobody to escalate to, the analyst decides
    draw = rng.random()
    if draw < asks:
        return "request_info"
    if draw < asks + escalates:
        return "escalate"
    return "decide"


def escalation_reason(rng: random.Random, case: CaseInHand) -> str:
    return rng.choice(ESCALATION_REASONS.get(case.harm_area, GENERIC_ESCALATIONS))


def info_request(rng: random.Random, case: CaseInHand) -> str:
    return rng.choice(INFO_REQUESTS.get(case.harm_area, GENERIC_INFO_REQUESTS))


def note(rng: random.Random, case: CaseInHand) -> str:
    return rng.choice(NOTES.get(case.harm_area, []) + GENERIC_NOTES)


def decision(rng: random.Random, case: CaseInHand, taxonomy: Taxonomy) -> DecisionIn:
    """A decision as an analyst would record it: policy, violation, actions and a rationale."""
    area = taxonomy.area(case.harm_area)
    likely = {"unclassified": 0.15, "spam_manipulation": 0.85}.get(case.harm_area, 0.75)
    violation = rng.random() < (0.92 if case.priority == 0 else likely)
    if not violation:
        kinds = ["no_action"] + (["notify_reporter"] if rng.random() < 0.3 else [])
        text = rng.choice(_NO_VIOLATION_RATIONALES).format(area=area.title.lower())
        return DecisionIn(
            policy_id="GEN-NO-VIOLATION",
            violation=False,
            rationale=text,
            actions=[ActionIn.model_validate({"kind": k}) for k in kinds],
        )
    ids = [p.id for p in area.policies]
    # Triage's suggestion is usually right; the analyst still reads the policy list.
    policy = (
        case.suggested_policy
        if case.suggested_policy in ids and rng.random() < 0.85
        else rng.choice(ids)
    )
    kinds = ACTIONS.get(case.harm_area, ["warn_user"])
    kinds = kinds[: rng.randint(1, len(kinds))]
    rationale = rng.choice(_VIOLATION_RATIONALES).format(policy=policy, reports=case.report_count)
    return DecisionIn(
        policy_id=policy,
        violation=True,
        rationale=rationale,
        actions=[ActionIn.model_validate({"kind": k, "params": _params(rng, k)}) for k in kinds],
    )


def _params(rng: random.Random, kind: str) -> dict[str, Any]:
    if kind == "suspend_account":
        return {"duration_days": rng.choice((3, 7, 30))}
    if kind == "restrict_feature":
        return {"feature": rng.choice(("dm", "posting", "live")), "duration_days": 7}
    return {}
