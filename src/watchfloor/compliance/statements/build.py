"""Statements of reasons (DSA Art. 17 and 24(5)) built from a decision: the JSON the DSA
Transparency Database takes, and the plain-language text the affected user receives.

Pure: no database, no clock. Validation rules live in rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from watchfloor.compliance.statements import vocabulary
from watchfloor.compliance.statements.config import Redress, Restriction, TransparencyConfig

Automation = Literal["fully", "partially", "none"]
_AUTOMATED_DECISION = {
    "fully": "AUTOMATED_DECISION_FULLY",
    "partially": "AUTOMATED_DECISION_PARTIALLY",
    "none": "AUTOMATED_DECISION_NOT_AUTOMATED",
}
# Which end date belongs to which kind of restriction.
_END_FIELD = {
    "decision_visibility": "end_date_visibility_restriction",
    "decision_monetary": "end_date_monetary_restriction",
    "decision_provision": "end_date_service_restriction",
    "decision_account": "end_date_account_restriction",
}
_SEVERITY = {
    "decision_monetary": vocabulary.DECISION_MONETARIES,
    "decision_provision": vocabulary.DECISION_PROVISIONS,
    "decision_account": vocabulary.DECISION_ACCOUNTS,
}


class StatementNotDue(ValueError):
    """The decision restricts nothing, so no statement of reasons is due."""


@dataclass(frozen=True)
class EnforcementDecision:
    """What a recorded decision gives a statement of reasons.

    ``actions`` are ActionKind values; ``end_dates`` maps an action kind to the last day its
    restriction applies (absent: indefinite). ``content_types`` are the Database's content
    types in lower case without the prefix (text, image, video, audio, app, product,
    synthetic_media, other). ``legal_ground`` is the law a notice or order cites, when it
    replaces the configured one; ``notifier`` the name of a trusted flagger, if any.
    """

    decision_id: int
    case_key: str
    policy_id: str
    harm_area: str
    actions: tuple[str, ...]
    source: str
    automated_detection: bool
    automated_decision: Automation
    content_types: tuple[str, ...]
    content_date: date
    application_date: date
    facts: str
    content_language: str | None = None
    end_dates: Mapping[str, date] = field(default_factory=dict)
    territorial_scope: tuple[str, ...] | None = None
    account_type: Literal["business", "private"] | None = None
    reporter_kind: str | None = None
    notifier: str | None = None
    legal_ground: str | None = None
    content_type_other: str | None = None


def puid_for(decision: EnforcementDecision, mapping: TransparencyConfig) -> str:
    """The platform unique id of the decision's statement: stable, so a retry repeats it."""
    return f"{mapping.platform.puid_prefix}-{decision.case_key}-{decision.decision_id}"


def needs_statement(decision: EnforcementDecision, mapping: TransparencyConfig) -> bool:
    """True when at least one of the decision's actions is a restriction."""
    return any(kind in mapping.actions.restrictions for kind in decision.actions)


def build_statement(
    decision: EnforcementDecision, mapping: TransparencyConfig
) -> dict[str, object]:
    """The statement in the Database's field names and values (no other fields)."""
    restrictions: list[tuple[str, Restriction]] = [
        (kind, mapping.actions.restrictions[kind])
        for kind in decision.actions
        if kind in mapping.actions.restrictions
    ]
    if not restrictions:
        raise StatementNotDue(
            f"{decision.case_key}: {', '.join(decision.actions) or 'no action'} restricts "
            "nothing; no statement of reasons is due"
        )
    statement: dict[str, object] = _decision_fields(decision, restrictions)
    statement.update(_ground_fields(decision, mapping))
    statement["content_type"] = [f"CONTENT_TYPE_{t.upper()}" for t in decision.content_types]
    if "other" in decision.content_types and decision.content_type_other:
        statement["content_type_other"] = decision.content_type_other
    scope = decision.territorial_scope or tuple(mapping.platform.default_territorial_scope)
    statement["territorial_scope"] = sorted(set(scope))
    language = _language(decision.content_language)
    if language is not None:
        statement["content_language"] = language
    statement["content_date"] = decision.content_date.isoformat()
    statement["application_date"] = decision.application_date.isoformat()
    statement["decision_facts"] = decision.facts.strip()
    source_type = mapping.sources.source_type(decision.source, decision.reporter_kind)
    statement["source_type"] = source_type
    if decision.notifier and source_type in mapping.sources.send_identity_for:
        statement["source_identity"] = decision.notifier
    statement["automated_detection"] = "Yes" if decision.automated_detection else "No"
    statement["automated_decision"] = _AUTOMATED_DECISION[decision.automated_decision]
    if decision.account_type is not None:
        statement["account_type"] = f"ACCOUNT_TYPE_{decision.account_type.upper()}"
    statement["puid"] = puid_for(decision, mapping)
    return statement


def _decision_fields(
    decision: EnforcementDecision, restrictions: list[tuple[str, Restriction]]
) -> dict[str, object]:
    """The four decision fields, combined over the actions, with their end dates."""
    out: dict[str, object] = {}
    visibility: set[str] = set()
    texts: dict[str, list[str]] = {"decision_visibility_other": [], "decision_monetary_other": []}
    ends: dict[str, list[date | None]] = {}
    for kind, r in restrictions:
        ends_on = decision.end_dates.get(kind)
        if r.decision_visibility:
            visibility.update(r.decision_visibility)
            ends.setdefault("decision_visibility", []).append(ends_on)
        if r.decision_visibility_other:
            texts["decision_visibility_other"].append(r.decision_visibility_other)
        if r.decision_monetary_other:
            texts["decision_monetary_other"].append(r.decision_monetary_other)
        for name, order in _SEVERITY.items():
            value: str | None = getattr(r, name)
            if value is None:
                continue
            current = out.get(name)
            if not isinstance(current, str) or order.index(value) > order.index(current):
                out[name] = value
            ends.setdefault(name, []).append(ends_on)
    if visibility:
        out["decision_visibility"] = [
            v for v in vocabulary.DECISION_VISIBILITIES if v in visibility
        ]
    if "DECISION_VISIBILITY_OTHER" in visibility:
        out["decision_visibility_other"] = "; ".join(texts["decision_visibility_other"])
    if out.get("decision_monetary") == "DECISION_MONETARY_OTHER":
        out["decision_monetary_other"] = "; ".join(texts["decision_monetary_other"])
    for name, dates in ends.items():
        # One indefinite restriction of a kind makes that kind indefinite.
        if dates and all(d is not None for d in dates):
            out[_END_FIELD[name]] = max(d for d in dates if d is not None).isoformat()
    return out


def _ground_fields(decision: EnforcementDecision, mapping: TransparencyConfig) -> dict[str, object]:
    rule = mapping.ground_for(decision.harm_area, decision.policy_id)
    out: dict[str, object] = {"category": rule.category}
    additions = [c for c in rule.category_addition or [] if c != rule.category]
    if additions:
        out["category_addition"] = additions
    if rule.keywords:
        out["category_specification"] = list(rule.keywords)
        if rule.keyword_other:
            out["category_specification_other"] = rule.keyword_other
    if rule.ground == "illegal":
        out["decision_ground"] = vocabulary.ILLEGAL
        out["illegal_content_legal_ground"] = decision.legal_ground or rule.legal_ground
        out["illegal_content_explanation"] = rule.explanation
    else:
        out["decision_ground"] = vocabulary.INCOMPATIBLE
        out["incompatible_content_ground"] = rule.terms_ground
        out["incompatible_content_explanation"] = rule.explanation
        if rule.also_illegal is not None:
            out["incompatible_content_illegal"] = rule.also_illegal
    if rule.reference_url:
        out["decision_ground_reference_url"] = rule.reference_url
    return out


def _language(tag: str | None) -> str | None:
    """A language tag (en, en-GB, EN) as the Database's upper-case ISO 639-1 code, if it has one."""
    if not tag:
        return None
    primary = tag.strip().split("-")[0].split("_")[0].upper()
    return primary if primary in vocabulary.LANGUAGES else None


# ---- the statement the affected user receives ----------------------------------------------

_MEASURES = {
    "DECISION_VISIBILITY_CONTENT_REMOVED": "removed your content",
    "DECISION_VISIBILITY_CONTENT_DISABLED": "disabled access to your content",
    "DECISION_VISIBILITY_CONTENT_DEMOTED": "reduced how widely your content is shown",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED": "made your content visible to adults only",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED": "limited how people can interact "
    "with your content",
    "DECISION_VISIBILITY_CONTENT_LABELLED": "added a label to your content",
    "DECISION_MONETARY_SUSPENSION": "suspended payments to you",
    "DECISION_MONETARY_TERMINATION": "stopped payments to you",
    "DECISION_PROVISION_PARTIAL_SUSPENSION": "suspended part of our service to you",
    "DECISION_PROVISION_TOTAL_SUSPENSION": "suspended our service to you",
    "DECISION_PROVISION_PARTIAL_TERMINATION": "ended part of our service to you",
    "DECISION_PROVISION_TOTAL_TERMINATION": "ended our service to you",
    "DECISION_ACCOUNT_SUSPENDED": "suspended your account",
    "DECISION_ACCOUNT_TERMINATED": "closed your account",
}
_SOURCES = {
    "SOURCE_ARTICLE_16": "after someone sent us a notice about it",
    "SOURCE_TRUSTED_FLAGGER": "after a notice from a trusted flagger (DSA Art. 22)",
    "SOURCE_TYPE_OTHER_NOTIFICATION": "after a notification from an authority or organisation",
    "SOURCE_VOLUNTARY": "on our own initiative",
}
_DECIDED = {
    "AUTOMATED_DECISION_FULLY": "The decision was taken by automated means, without a person.",
    "AUTOMATED_DECISION_PARTIALLY": "The decision was taken by a person helped by automated means.",
    "AUTOMATED_DECISION_NOT_AUTOMATED": "The decision was taken by a person.",
}


def user_statement(
    decision: EnforcementDecision,
    statement: Mapping[str, object],
    *,
    redress: Redress | None = None,
) -> str:
    """The plain-language statement of reasons for the user whose content or account it is:
    what was decided, on what ground, the facts, whether automated, and how to seek redress."""
    s = {k: v for k, v in statement.items() if v is not None}
    lines = [f"Statement of reasons - {decision.case_key}", "", "What we decided"]
    lines += [f"- We {m}." for m in _measures(s)]
    lines.append(f"This applies from {s.get('application_date')} in {_scope(s)}.")
    lines += ["", "Why"]
    if s.get("decision_ground") == vocabulary.ILLEGAL:
        lines.append(
            f"We found the content illegal under: {s.get('illegal_content_legal_ground')}."
        )
        lines.append(str(s.get("illegal_content_explanation", "")))
    else:
        lines.append(f"The content breaks our terms: {s.get('incompatible_content_ground')}.")
        lines.append(str(s.get("incompatible_content_explanation", "")))
        if s.get("incompatible_content_illegal") == "Yes":
            lines.append("We also consider the content illegal.")
    if s.get("decision_ground_reference_url"):
        lines.append(f"You can read the rule here: {s['decision_ground_reference_url']}")
    lines += ["", "The facts we relied on", str(s.get("decision_facts", "")), ""]
    lines.append("How the decision was made")
    lines.append(f"We acted {_SOURCES.get(str(s.get('source_type')), 'after a report')}.")
    if s.get("automated_detection") == "Yes":
        lines.append("The content was detected by automated means.")
    else:
        lines.append("No automated means were used to detect the content.")
    lines.append(_DECIDED.get(str(s.get("automated_decision")), ""))
    lines += ["", *_redress_lines(redress)]
    return "\n".join(lines) + "\n"


def _measures(s: Mapping[str, object]) -> list[str]:
    out: list[str] = []
    visibility = s.get("decision_visibility")
    for value in visibility if isinstance(visibility, list) else []:
        if value == "DECISION_VISIBILITY_OTHER":
            out.append(f"took this measure: {s.get('decision_visibility_other')}")
        else:
            out.append(_MEASURES.get(str(value), str(value)) + _until(s, "decision_visibility"))
    for name in ("decision_monetary", "decision_provision", "decision_account"):
        value = s.get(name)
        if value == "DECISION_MONETARY_OTHER":
            out.append(f"restricted payments to you: {s.get('decision_monetary_other')}")
        elif isinstance(value, str):
            out.append(_MEASURES.get(value, value) + _until(s, name))
    return out


def _until(s: Mapping[str, object], name: str) -> str:
    ends = s.get(_END_FIELD[name])
    return f" until {ends}" if ends else ""


def _scope(s: Mapping[str, object]) -> str:
    raw = s.get("territorial_scope")
    scope = set(raw) if isinstance(raw, list) else set()
    if scope == set(vocabulary.EEA_COUNTRIES):
        return "the whole European Economic Area"
    if scope == set(vocabulary.EU_COUNTRIES):
        return "the whole European Union"
    return ", ".join(sorted(scope)) or "the countries where our service is offered"


def _redress_lines(redress: Redress | None) -> list[str]:
    months = redress.complaint_window_months if redress else 6
    complaint = f" at {redress.complaint_url}" if redress else ""
    bodies = (
        f" (the certified bodies are listed at {redress.dispute_settlement_url})" if redress else ""
    )
    return [
        "If you disagree",
        f"1. Ask us to review the decision{complaint}, free of charge, within {months} months of "
        "receiving this statement (internal complaint, DSA Art. 20). A person, not a machine, "
        "decides on your complaint and we tell you the outcome.",
        f"2. Take the dispute to a certified out-of-court dispute settlement body{bodies} "
        "(DSA Art. 21). Its decision does not bind you.",
        "3. Go to court: you keep the right to challenge the decision before the courts of your "
        "country at any time.",
    ]
