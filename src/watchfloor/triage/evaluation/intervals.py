"""95 % confidence intervals for evaluation figures (pure: numpy only).

Proportions (recall, false-positive rate, accuracy, precision) get the Wilson score interval:
unlike the normal approximation it stays inside [0, 1] and is honest at 0 or n successes and on
the small per-language or per-hazard slices a sealed part leaves. AUPRC has no closed form, so
it gets a percentile bootstrap with a fixed seed: the same data always prints the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054
RESAMPLES = 1000
SEED = 20


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes / n; (0, 1) when there is nothing to measure."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Rounding can leave the bound a hair beyond the point estimate at 0 or n successes.
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def average_precision(
    truth: NDArray[np.bool_], score: NDArray[np.float64], weights: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Average precision (as scikit-learn computes it) for each row of ``weights``.

    ``weights`` has one row per resample, one column per data row: how often the row was drawn.
    Tied scores are one threshold, as in ``sklearn.metrics.average_precision_score``.
    """
    order = np.argsort(-score, kind="mergesort")
    return _sorted_average_precision(score[order], truth[order], weights[:, order])


def _sorted_average_precision(
    sorted_score: NDArray[np.float64], sorted_truth: NDArray[np.bool_], w: NDArray[np.int64]
) -> NDArray[np.float64]:
    # The last position of each run of equal scores is where a threshold takes effect.
    ends = np.flatnonzero(np.r_[sorted_score[1:] != sorted_score[:-1], True])
    tp = np.cumsum(np.where(sorted_truth, w, 0), axis=1, dtype=np.int32)[:, ends]
    seen = np.cumsum(w, axis=1, dtype=np.int32)[:, ends]
    positives = tp[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(seen > 0, tp / seen, 0.0)
        recall = np.where(positives > 0, tp / positives, 0.0)
    steps = np.diff(recall, axis=1, prepend=0.0)
    ap: NDArray[np.float64] = (steps * precision).sum(axis=1)
    return ap


def bootstrap_auprc(
    truth: Sequence[bool],
    score: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    chunk: int = 100,
) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of AUPRC over bootstrap resamples of the rows.

    None when the rows hold only one class (AUPRC means nothing then). Resamples that draw no
    positive row are left out, as scikit-learn cannot score them either.
    """
    t = np.asarray(truth, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    if t.all() or not t.any():
        return None
    rng = np.random.default_rng(seed)
    n = len(t)
    # Rows are drawn uniformly, so drawing positions of the score-sorted rows is the same
    # resample and saves reordering every resample's counts.
    order = np.argsort(-s, kind="mergesort")
    t, s = t[order], s[order]
    values: list[NDArray[np.float64]] = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = rng.integers(0, n, size=(size, n))
        offsets = (np.arange(size) * n)[:, None]
        weights = np.bincount((drawn + offsets).ravel(), minlength=size * n).reshape(size, n)
        has_positive = (weights[:, t] > 0).any(axis=1)
        values.append(_sorted_average_precision(s, t, weights[has_positive]))
    all_values = np.concatenate(values)
    low, high = np.percentile(all_values, [2.5, 97.5])
    return float(low), float(high)
