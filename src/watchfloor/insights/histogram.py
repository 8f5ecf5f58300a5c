"""Fixed log-scale duration histograms: percentiles over any range are a merge of bucket counts.

A duration d >= 1 s falls in bucket floor(8 * log2(d)): eight buckets per doubling, each 9.05 %
wide. A percentile is read as its bucket's geometric middle, so it is within a factor 2^(1/16)
(4.43 %) of the true value; durations under 1 s share bucket -1, read as 0.5 s (within 0.5 s).
Pure: no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from watchfloor.insights.measures import Durations

STEPS_PER_DOUBLING = 8
UNDER_A_SECOND = -1
# The largest relative error of a percentile read from the buckets (see the module docstring).
RELATIVE_ERROR = 2 ** (1 / (2 * STEPS_PER_DOUBLING)) - 1
ABSOLUTE_ERROR_UNDER_A_SECOND = 0.5


def bucket_of(seconds: float) -> int:
    """The bucket a duration falls in (negative durations, from clock skew, count as 0 s)."""
    if seconds < 1:
        return UNDER_A_SECOND
    return math.floor(math.log2(seconds) * STEPS_PER_DOUBLING)


def value_of(bucket: int) -> float:
    """What a percentile in ``bucket`` reads as: its geometric middle."""
    if bucket <= UNDER_A_SECOND:
        return 0.5
    return float(2 ** ((bucket + 0.5) / STEPS_PER_DOUBLING))


def percentile(counts: Mapping[int, int], p: float) -> float | None:
    """The nearest-rank ``p`` percentile (0 < p <= 1) of the durations counted; None if none."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return value_of(bucket)
    return value_of(max(counts))


def durations(counts: Mapping[int, int]) -> Durations:
    """p50, p90 and p99 of a histogram."""
    return Durations(
        count=sum(counts.values()),
        p50=percentile(counts, 0.5),
        p90=percentile(counts, 0.9),
        p99=percentile(counts, 0.99),
    )


def histogram(seconds: Iterable[float]) -> dict[int, int]:
    """The bucket counts of some durations."""
    counts: dict[int, int] = {}
    for s in seconds:
        b = bucket_of(s)
        counts[b] = counts.get(b, 0) + 1
    return counts


def exact_durations(seconds: list[float]) -> Durations:
    """Nearest-rank p50, p90 and p99 of raw durations (the backlog's ages are read raw)."""
    if not seconds:
        return Durations(count=0, p50=None, p90=None, p99=None)
    ordered = sorted(seconds)
    n = len(ordered)

    def at(p: float) -> float:
        return ordered[max(1, math.ceil(p * n)) - 1]

    return Durations(count=n, p50=at(0.5), p90=at(0.9), p99=at(0.99))
