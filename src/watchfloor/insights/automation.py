"""Automation opportunities (pure): where triage's suggestion is followed by nearly the same
decision every time, a rule or an auto-action could take the work, and what it would cost.

For each policy triage suggests: how many decisions followed, the most common outcome (policy,
violation, actions) and its share with a Wilson interval, the analyst hours a rule would save
(the decisions times the median time analysts took), and the error it would risk: one minus the
share's lower bound, the worst error rate the data is consistent with.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from watchfloor.cases.decided import Outcome
from watchfloor.quality.agreement import Estimate, accuracy


@dataclass(frozen=True)
class Opportunity:
    suggested_policy: str
    decisions: int
    outcome: str  # "FR-PHISHING, violation: remove_content, suspend_account"
    same: Estimate  # the outcome's share, with its interval
    median_handling_minutes: float | None
    hours_saved: float
    error_risk: float  # 1 - the share's lower bound: the worst error rate consistent with the data
    wrong_would_be: int  # decisions a rule would have got wrong in this period


def _label(o: Outcome) -> str:
    verdict = "violation" if o.violation else "no violation"
    actions = ", ".join(o.actions) if o.actions else "no action"
    return f"{o.policy_id}, {verdict}: {actions}"


def opportunities(
    outcomes: Sequence[Outcome], *, min_decisions: int = 50, min_share: float = 0.95
) -> list[Opportunity]:
    """Suggested policies with at least ``min_decisions`` decisions whose most common outcome
    has a share of at least ``min_share``; the most hours saved first."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.suggested_policy:
            groups[o.suggested_policy].append(o)
    found = []
    for policy, group in groups.items():
        if len(group) < min_decisions:
            continue
        label, count = Counter(_label(o) for o in group).most_common(1)[0]
        share = accuracy(count, len(group))
        if share.value is None or share.value < min_share:
            continue
        times = [o.handling_seconds for o in group if o.handling_seconds is not None]
        median = statistics.median(times) / 60 if times else None
        found.append(
            Opportunity(
                suggested_policy=policy,
                decisions=len(group),
                outcome=label,
                same=share,
                median_handling_minutes=median,
                hours_saved=(median or 0.0) * len(group) / 60,
                error_risk=1 - (share.low if share.low is not None else share.value),
                wrong_would_be=len(group) - count,
            )
        )
    found.sort(key=lambda o: (-o.hours_saved, -o.decisions, o.suggested_policy))
    return found
