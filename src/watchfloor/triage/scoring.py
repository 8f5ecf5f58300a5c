"""Combining signals into harm area(s), a risk score 0-1 and a priority, with every reason (pure).

Signals, strongest first:
1. hash matches: evidence on a child-safety list is P0 with certainty;
2. placing rules: their harm area and priority (P0 only comes from a rule, a hash list or a
   policy whose severity is P0);
3. the classifier: an area whose score reaches its threshold, at that area's severity;
4. the reporter's chosen category, when nothing else placed the report.
Context rules clear harm areas the text turns out not to be about ("at chess"): signals 2 (below
P0) and 3 do not place the report there, and the reason says which context cleared what.
Then raising signals: trusted reporters and subjects with prior violations raise the priority
one level (never to P0), and raising rules by the levels they say.

The risk score is the strongest placing signal's confidence, nudged up by each raising signal:
rules count as 0.95 (P0), 0.85 (P1), 0.7 (P2), 0.55 (P3); a classifier score counts as itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchfloor.triage.rules.engine import RuleHit, TriageInput
from watchfloor.triage.taxonomy import Priority, Taxonomy

RULE_CONFIDENCE = {Priority.P0: 0.95, Priority.P1: 0.85, Priority.P2: 0.7, Priority.P3: 0.55}
TRUSTED_REPORTERS = {"law_enforcement": "law-enforcement", "trusted_flagger": "trusted flagger"}
REPEAT_OFFENDER = 2  # prior violations that make a subject's new report one level more urgent
RAISE_RISK = 0.1

# Flags a case can carry, for analysts to see at a glance.
CLASSIFIER_FAILED = "classifier_failed"
CLASSIFIER_MISSING = "classifier_missing"


@dataclass
class TriageResult:
    harm_area: str
    priority: Priority
    reasons: list[str] = field(default_factory=list)
    risk: float = 0.0
    area_scores: dict[str, float] = field(default_factory=dict)
    harm_areas: list[str] = field(default_factory=list)
    policy: str | None = None
    flags: list[str] = field(default_factory=list)
    # What context rules kept out: each context rule's reason → the signals it cleared.
    kept_out: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Placement:
    area: str
    priority: Priority
    confidence: float
    reason: str
    policy: str | None = None


def combine(
    taxonomy: Taxonomy,
    item: TriageInput,
    hits: list[RuleHit],
    scores: dict[str, float] | None,
    thresholds: dict[str, float],
    flags: list[str],
) -> TriageResult:
    """One report's triage from its signals. ``scores`` is None when the classifier gave none."""
    placements: list[_Placement] = []
    clearing = clearing_rules(hits)
    cleared: dict[str, list[str]] = {}  # context rule's reason → what it kept out
    for match in item.hash_matches:
        priority = Priority.P0 if match.child_safety else _severity(taxonomy, match.harm_area)
        placements.append(
            _Placement(match.harm_area, priority, 1.0, f"{match.reason} → {priority.label}")
        )
    for hit in hits:
        if hit.rule.harm_area is not None and hit.priority is not None:
            context = clearing.get(hit.rule.harm_area)
            if context is not None and hit.priority > Priority.P0:
                cleared.setdefault(context.reason, []).append(f"rule {hit.rule.id}")
                continue
            confidence = RULE_CONFIDENCE[hit.priority] - (0.2 if hit.negated_by else 0.0)
            placements.append(
                _Placement(
                    hit.rule.harm_area, hit.priority, confidence, hit.reason, hit.rule.policy
                )
            )
    for area, score in sorted((scores or {}).items(), key=lambda kv: -kv[1]):
        if area != "unclassified" and score >= thresholds.get(area, 1.0):
            context = clearing.get(area)
            if context is not None:
                cleared.setdefault(context.reason, []).append(f"classifier's {area} {score:.2f}")
                continue
            priority = _severity(taxonomy, area)
            placements.append(
                _Placement(
                    area,
                    priority,
                    score,
                    f"classifier scored {area} {score:.2f} "
                    f"(threshold {thresholds[area]:.2f}) → {priority.label}",
                )
            )
    if not placements and item.category_hint and item.category_hint in taxonomy.area_ids:
        priority = _severity(taxonomy, item.category_hint)
        placements.append(
            _Placement(
                item.category_hint,
                priority,
                0.5,
                f"nothing matched; reporter chose '{item.category_hint}', "
                f"its default priority is {priority.label}",
            )
        )
    if not placements:
        placements.append(
            _Placement(
                "unclassified",
                Priority.P3,
                0.0,
                "nothing matched and no category given → unclassified, P3",
            )
        )
    placements.sort(key=lambda p: (p.priority, -p.confidence))
    lead = placements[0]
    harm_areas = list(dict.fromkeys(p.area for p in placements))
    result = TriageResult(
        harm_area=lead.area,
        priority=lead.priority,
        reasons=[p.reason for p in placements]
        + [f"{why} (kept out: {', '.join(what)})" for why, what in cleared.items()],
        risk=lead.confidence,
        area_scores={a: round(s, 4) for a, s in (scores or {}).items() if s >= 0.05},
        harm_areas=harm_areas,
        # The policy a rule named for the lead harm area, even when another signal leads it.
        policy=next((p.policy for p in placements if p.area == lead.area and p.policy), None),
        flags=list(flags),
        kept_out=cleared,
    )
    raises: list[tuple[int, str]] = []
    who = TRUSTED_REPORTERS.get(item.reporter_kind)
    if who:
        raises.append((1, f"reported by a {who}"))
    if item.prior_violations >= REPEAT_OFFENDER:
        raises.append((1, f"subject has {item.prior_violations} prior violations"))
    raises += [
        (h.rule.raise_priority, h.reason)
        for h in hits
        if h.priority is None and h.rule.raise_priority
    ]
    for levels, why in raises:
        result.risk = min(1.0, result.risk + RAISE_RISK)
        raised = Priority(max(Priority.P1, result.priority - levels))
        if raised < result.priority:
            result.reasons.append(f"{why} → raised {result.priority.label} to {raised.label}")
            result.priority = raised
        else:
            result.reasons.append(f"{why} (already {result.priority.label})")
    result.risk = round(result.risk, 4)
    return result


def clearing_rules(hits: list[RuleHit]) -> dict[str, RuleHit]:
    """The context rule that clears each harm area (the last to name it, when several do)."""
    return {area: hit for hit in hits for area in hit.rule.clears}


def _severity(taxonomy: Taxonomy, area: str) -> Priority:
    return taxonomy.area(area).default_priority
