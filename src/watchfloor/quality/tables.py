"""Agreement and accuracy tables: per analyst, harm area, policy or region, over a time range.

For each group: how many reviewed decisions, the share the reviewer agreed with (Wilson
interval), Cohen's kappa between analyst and reviewer on the verdict (policy and whether it is a
violation), and the analyst's accuracy against the final verdict (the review it agreed with, or
a lead's ruling; decisions still waiting for a ruling are left out of accuracy). Every figure
carries its interval and sample size, and a small sample says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from watchfloor.quality import agreement, service
from watchfloor.quality.agreement import Estimate
from watchfloor.quality.models import QaSample

By = Literal["analyst", "harm_area", "policy", "region"]
GROUPS: dict[str, Callable[[QaSample], str]] = {
    "analyst": lambda s: s.analyst,
    "harm_area": lambda s: s.harm_area,
    "policy": lambda s: s.policy_id,
    "region": lambda s: s.region or "(none)",
}


@dataclass(frozen=True)
class Row:
    group: str
    reviewed: int
    agreement: Estimate
    kappa: Estimate
    accuracy: Estimate
    awaiting_ruling: int


def table(session: Session, *, by: By, start: datetime, end: datetime) -> list[Row]:
    """One row per group, the most reviewed first; and a row "all" at the end."""
    key = GROUPS[by]
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    right: dict[str, list[bool]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for sample, review, ruling in service.reviewed_between(session, start=start, end=end):
        original = service.Verdict(sample.policy_id, sample.violation)
        second = service.Verdict(review.policy_id, review.violation)
        final = service.final_verdict(sample, review, ruling)
        for group in (key(sample), "all"):
            pairs[group].append((original.label, second.label))
            if final is None:
                waiting[group] += 1
            else:
                right[group].append(final == original)
    groups = sorted((g for g in pairs if g != "all"), key=lambda g: (-len(pairs[g]), g))
    return [_row(g, pairs[g], right[g], waiting[g]) for g in [*groups, *(["all"] if pairs else [])]]


def _row(group: str, pairs: list[tuple[str, str]], right: list[bool], waiting: int) -> Row:
    return Row(
        group=group,
        reviewed=len(pairs),
        agreement=agreement.percent_agreement(pairs),
        kappa=agreement.cohen_kappa(pairs),
        accuracy=agreement.accuracy(sum(right), len(right)),
        awaiting_ruling=waiting,
    )
