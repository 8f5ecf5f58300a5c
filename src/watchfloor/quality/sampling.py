"""Which decisions are reviewed, and why (pure: no database).

A decision is sampled when any rule picks it. Shares are taken by a hash of the decision's id
and the rule's name, not by chance: the same decision is picked or not every time the rules are
run, and each rule's picks are independent of the others'.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from watchfloor.quality.config import Sampling


def share(decision_id: int, rule: str) -> float:
    """A fixed number in [0, 100) for this decision and rule."""
    digest = hashlib.sha256(f"{rule}:{decision_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


@dataclass(frozen=True)
class Facts:
    """What the rules weigh about one decision."""

    decision_id: int
    priority: str
    harm_area: str
    policy_id: str
    suggested_policy: str | None
    decided_at: datetime
    taken_at: datetime | None
    analyst_since: datetime | None  # the analyst's first decision
    area_sampled_this_week: int


def reasons(facts: Facts, rules: Sampling) -> list[str]:
    """The rules that pick this decision for review (empty: not sampled)."""
    found = []
    d = facts.decision_id
    if facts.priority in rules.all_of_priorities:
        found.append(f"every {facts.priority} decision")
    if facts.area_sampled_this_week < rules.minimum_for(facts.harm_area):
        found.append(f"weekly minimum for {facts.harm_area}")
    if share(d, "analyst") < rules.per_analyst_percent:
        found.append(f"{rules.per_analyst_percent:g}% of each analyst's decisions")
    against = facts.suggested_policy is not None and facts.suggested_policy != facts.policy_id
    if against and share(d, "against") < rules.against_suggestion_percent:
        found.append("decided against triage's suggestion")
    taken = facts.taken_at
    fast = taken is not None and facts.decided_at - taken <= rules.fast_decision_within
    if fast and share(d, "fast") < rules.fast_decision_percent:
        found.append(f"decided within {_short(rules.fast_decision_within)} of being taken")
    since = facts.analyst_since
    new = since is not None and facts.decided_at - since <= rules.new_analyst_for
    if new and share(d, "new") < rules.new_analyst_percent:
        found.append(f"analyst new in the last {_short(rules.new_analyst_for)}")
    return found


def week_start(at: datetime) -> datetime:
    """Monday 00:00 UTC of ``at``'s week."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _short(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"
