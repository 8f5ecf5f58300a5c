"""Agreement and accuracy statistics for quality review (pure: no database, no I/O).

Every statistic comes back as an :class:`Estimate`: the value, a confidence interval and the
sample size, so that a figure from a handful of reviews is shown as such rather than over-read.
Labels are nominal (a harm area, a decision, a policy): two labels either match or they do not.

- :func:`cohen_kappa`: two reviewers on the same items; CI from the large-sample standard error.
- :func:`krippendorff_alpha`: any number of reviewers, missing ratings allowed (calibration
  sets); CI by a seeded bootstrap over items.
- :func:`percent_agreement` and :func:`accuracy`: proportions with the Wilson score interval.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

import numpy as np

from watchfloor.errors import Invalid

# Below this many items an interval is too wide to act on; describe() says so instead of
# printing a figure that invites a conclusion. 30 is the usual rule of thumb for a normal
# approximation to be tolerable; even there a kappa's 95% CI is about ±0.3 on typical data.
SMALL_SAMPLE = 30

# Any hashable item and reviewer keys (case keys, user ids); TypeVars because Mapping is invariant
# in its key type, so a dict[int, ...] would not pass as Mapping[Hashable, ...].
Item = TypeVar("Item", bound=Hashable)
Reviewer = TypeVar("Reviewer", bound=Hashable)

BOOTSTRAP_CELLS = 500_000  # resamples x items held in memory at once

EN_DASH = "\u2013"  # ranges are typeset with it; written escaped so no linter mistakes it for "-"


@dataclass(frozen=True)
class Estimate:
    """A statistic with its confidence interval (``low``..``high`` at ``level``) and sample size.

    ``value`` is None when the statistic is undefined for this data; ``reason`` then says why.
    ``low``/``high`` are None when there is no value or no interval can be given.
    """

    value: float | None
    low: float | None
    high: float | None
    n: int
    level: float = 0.95
    reason: str | None = None

    @property
    def small(self) -> bool:
        """True when ``n`` is below :data:`SMALL_SAMPLE`: too few to draw a conclusion from."""
        return self.n < SMALL_SAMPLE

    def describe(self, symbol: str = "", *, percent: bool = False) -> str:
        """One line for people: ``κ 0.71 (95% CI 0.58–0.82, n=64)`` or ``n=3: too few to say``."""  # noqa: RUF002
        prefix = f"{symbol} " if symbol else ""
        if self.value is None:
            why = f": {self.reason}" if self.reason else ""
            return f"{prefix}undefined (n={self.n}){why}"
        if self.small:
            return f"{prefix}n={self.n}: too few to say"
        text = prefix + _fmt(self.value, percent)
        if self.low is not None and self.high is not None:
            ci = f"{_fmt(self.low, percent)}{EN_DASH}{_fmt(self.high, percent)}"
            text += f" ({self.level * 100:g}% CI {ci}, n={self.n})"
        else:
            text += f" (n={self.n})"
        return text


def _fmt(x: float, percent: bool) -> str:
    return f"{x * 100:.0f}%" if percent else f"{x:.2f}"


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise Invalid(
            f"confidence level must be between 0 and 1 (exclusive), got {level}",
            [{"loc": ["level"], "msg": "use for example 0.95 for a 95% interval"}],
        )
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes: int, total: int, *, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).

    Unlike the plain ±z·SE interval it stays inside [0, 1] and does not collapse to a point at
    0 or at ``total``: 0 correct out of 20 still admits up to about 16%.
    """
    if not 0 <= successes <= total or total == 0:
        raise Invalid(f"need 0 <= successes <= total and total > 0, got {successes}/{total}")
    z = _z(level)
    p = successes / total
    z2n = z * z / total
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / total + z2n / (4 * total))
    # Exact bounds at the extremes: rounding would otherwise leave 1e-17 instead of 0.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def accuracy(correct: int, total: int, *, level: float = 0.95) -> Estimate:
    """The share of ``total`` reviewed items judged correct, with its Wilson interval."""
    if total < 0 or not 0 <= correct <= total:
        raise Invalid(
            f"correct must be between 0 and total ({total}), got {correct}",
            [{"loc": ["correct"], "msg": "count each reviewed item once"}],
        )
    _z(level)
    if total == 0:
        return Estimate(None, None, None, 0, level, reason="nothing reviewed yet")
    low, high = wilson_interval(correct, total, level=level)
    return Estimate(correct / total, low, high, total, level)


def percent_agreement(pairs: Sequence[tuple[str, str]], *, level: float = 0.95) -> Estimate:
    """The share of items on which two reviewers gave the same label (Wilson interval).

    It does not correct for agreement by chance: see :func:`cohen_kappa` for that.
    """
    _z(level)
    agreed = sum(1 for a, b in pairs if a == b)
    if not pairs:
        return Estimate(None, None, None, 0, level, reason="no item reviewed twice yet")
    low, high = wilson_interval(agreed, len(pairs), level=level)
    return Estimate(agreed / len(pairs), low, high, len(pairs), level)


def contingency(pairs: Sequence[tuple[str, str]]) -> tuple[list[str], np.ndarray]:
    """The labels (sorted) and the counts table: rows the first reviewer's, columns the second's."""
    labels = sorted({label for pair in pairs for label in pair})
    index = {label: i for i, label in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)), dtype=np.float64)
    for a, b in pairs:
        table[index[a], index[b]] += 1
    return labels, table


def cohen_kappa(pairs: Sequence[tuple[str, str]], *, level: float = 0.95) -> Estimate:
    """Cohen's kappa for two reviewers' labels on the same items (one ``(first, second)`` each).

    The interval is kappa ± z·ASE with the large-sample (non-null) standard error of Fleiss,
    Cohen & Everitt (1969), the one SAS PROC FREQ and statsmodels' ``cohens_kappa`` report. It
    is clipped to [-1, 1], the range kappa can take. With perfect agreement that standard
    error is 0 and the interval a point; the sample size, not the interval, then says how much
    to trust it.

    Kappa is undefined (value None, with a reason) when there are no items, or when both
    reviewers gave every item one and the same label: chance agreement is then 1 and kappa
    0/0. Agreement is perfect but there was nothing to disagree on, so it says nothing about
    how the reviewers would agree on a mixed set; :func:`percent_agreement` still reports 100%.
    """
    z = _z(level)
    n = len(pairs)
    if n == 0:
        return Estimate(None, None, None, 0, level, reason="no item reviewed twice yet")
    labels, table = contingency(pairs)
    p = table / n
    rows = p.sum(axis=1)  # first reviewer's label shares, p_i.
    cols = p.sum(axis=0)  # second reviewer's, p_.j
    observed = float(np.trace(p))
    expected = float(rows @ cols)
    if len(labels) == 1:
        return Estimate(
            None,
            None,
            None,
            n,
            level,
            reason=f"both reviewers labelled every item {labels[0]!r}: nothing to tell "
            "agreement from chance",
        )
    kappa = (observed - expected) / (1 - expected)
    # Fleiss, Cohen & Everitt (1969): the diagonal term, the off-diagonal term with
    # (p_.i + p_j.)² for cell (i, j), less the squared centring term.
    diag = float(np.sum(np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2))
    cross = cols[:, None] + rows[None, :]
    off = p * cross**2
    np.fill_diagonal(off, 0.0)
    spread = (1 - kappa) ** 2 * float(off.sum())
    centring = (kappa - expected * (1 - kappa)) ** 2
    variance = (diag + spread - centring) / ((1 - expected) ** 2 * n)
    se = math.sqrt(max(variance, 0.0))  # rounding can leave -1e-18 at perfect agreement
    return Estimate(kappa, max(-1.0, kappa - z * se), min(1.0, kappa + z * se), n, level)


def _unit_counts(
    units: Mapping[Item, Mapping[Reviewer, str]],
) -> tuple[list[str], np.ndarray]:
    """Labels (sorted) and, per pairable unit (two ratings or more), how often each was given."""
    rated = [list(ratings.values()) for ratings in units.values() if len(ratings) >= 2]
    labels = sorted({label for ratings in rated for label in ratings})
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(rated), len(labels)), dtype=np.float64)
    for u, ratings in enumerate(rated):
        for label in ratings:
            counts[u, index[label]] += 1
    return labels, counts


def _alpha_from_counts(weights: np.ndarray, counts: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Nominal alpha for each row of ``weights`` (how many times each unit is taken).

    With the coincidence matrix o (Krippendorff 2011, "Computing Krippendorff's alpha"), the
    nominal alpha is 1 - (n - 1)·(n - Σ o_cc) / (n² - Σ n_c²), where n_c, the margins of o, are
    simply how often label c was given in pairable units, and each unit adds
    Σ_c n_uc(n_uc - 1)/(m_u - 1) to the diagonal (``matched``). Both are sums over units, so a
    bootstrap sample is a weighted sum. Undefined (one label only) gives NaN.
    """
    by_label = weights @ counts
    n = by_label.sum(axis=1)
    diagonal = weights @ matched
    expected = n * n - (by_label**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: np.ndarray = 1 - (n - 1) * (n - diagonal) / expected
    return np.where(expected > 0, result, np.nan)


def krippendorff_alpha(
    units: Mapping[Item, Mapping[Reviewer, str]],
    *,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> Estimate:
    """Krippendorff's alpha (nominal) for a calibration set: ``units[item][reviewer] = label``.

    Any reviewer may skip any item; an item with fewer than two ratings cannot be compared and
    does not count. ``n`` is the number of items that count (pairable units), since items are
    what a calibration set samples and what the bootstrap resamples.

    The interval is a percentile bootstrap over those items (``resamples`` draws, generator
    seeded with ``seed``, so the same items in the same order give the same interval;
    ``resamples=0`` skips it). Resampling whole items
    keeps each item's ratings together, as they are not independent of each other. Draws in
    which every rating has the same label have no alpha and are left out. Alpha is undefined
    (None, with a reason) when no item has two ratings or every rating has the same label.
    """
    _z(level)  # refuses a bad level before any work
    labels, counts = _unit_counts(units)
    n_units = counts.shape[0]
    if n_units == 0:
        return Estimate(None, None, None, 0, level, reason="no item has two ratings yet")
    if len(labels) == 1:
        return Estimate(
            None,
            None,
            None,
            n_units,
            level,
            reason=f"every rating is {labels[0]!r}: nothing to tell agreement from chance",
        )
    per_unit = counts.sum(axis=1)
    matched = (counts * (counts - 1)).sum(axis=1) / (per_unit - 1)
    value = float(_alpha_from_counts(np.ones((1, n_units)), counts, matched)[0])
    if resamples < 1:
        return Estimate(value, None, None, n_units, level)
    rng = np.random.default_rng(seed)
    uniform = np.full(n_units, 1 / n_units)
    # In chunks, so a quarter's worth of double-reviewed cases stays a few MB of weights.
    chunk = max(1, BOOTSTRAP_CELLS // n_units)
    parts = []
    for start in range(0, resamples, chunk):
        weights = rng.multinomial(n_units, uniform, size=min(chunk, resamples - start))
        parts.append(_alpha_from_counts(weights.astype(np.float64), counts, matched))
    draws = np.concatenate(parts)
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return Estimate(value, None, None, n_units, level)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return Estimate(value, float(low), float(high), n_units, level)
