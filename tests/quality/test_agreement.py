"""Agreement statistics (pure) against reference implementations and published figures."""

# The strings people read carry Greek letters and en dashes; spelling them as escapes would hide them.
# ruff: noqa: RUF001

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from watchfloor.errors import Invalid
from watchfloor.quality.agreement import (
    SMALL_SAMPLE,
    Estimate,
    accuracy,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    wilson_interval,
)

# derandomize: the same examples on every run, so a test never passes or fails by chance.
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True)

LABELS = ["spam", "fraud", "self-harm", "privacy", "csam"]


def pairs_from_table(table: list[list[int]]) -> list[tuple[str, str]]:
    """Expand a counts table (rows: first reviewer) into one pair per item."""
    return [
        (LABELS[i], LABELS[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]


@st.composite
def reviewed_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    labels = LABELS[: draw(st.integers(2, 5))]
    label = st.sampled_from(labels)
    return draw(st.lists(st.tuples(label, label), min_size=1, max_size=80))


@st.composite
def calibration_sets(draw: st.DrawFn) -> dict[int, dict[str, str]]:
    """Items rated by some of 2-6 reviewers with 2-5 labels; any rating may be missing."""
    labels = LABELS[: draw(st.integers(2, 5))]
    reviewers = [f"analyst-{r}" for r in range(draw(st.integers(2, 6)))]
    n_items = draw(st.integers(1, 40))
    units: dict[int, dict[str, str]] = {}
    for item in range(n_items):
        ratings = draw(
            st.dictionaries(st.sampled_from(reviewers), st.sampled_from(labels), max_size=6)
        )
        units[item] = ratings
    return units


def reference_alpha(units: dict[int, dict[str, str]]) -> float:
    """The `krippendorff` package's nominal alpha; raters are rows, items columns, NaN missing."""
    reviewers = sorted({r for ratings in units.values() for r in ratings})
    codes = {label: float(i) for i, label in enumerate(LABELS)}
    data = np.full((len(reviewers), len(units)), np.nan)
    for col, ratings in enumerate(units.values()):
        for reviewer, label in ratings.items():
            data[reviewers.index(reviewer), col] = codes[label]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


# Cohen's kappa ---------------------------------------------------------------------------------


@BOUNDED
@given(reviewed_pairs())
def test_kappa_matches_sklearn(pairs: list[tuple[str, str]]) -> None:
    estimate = cohen_kappa(pairs)
    assert estimate.n == len(pairs)
    if len({label for pair in pairs for label in pair}) == 1:
        assert estimate.value is None
        assert estimate.reason and "nothing to tell agreement from chance" in estimate.reason
        return
    first, second = zip(*pairs, strict=True)
    assert estimate.value == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
    assert estimate.low is not None and estimate.high is not None
    assert estimate.value is not None
    assert -1 <= estimate.low <= estimate.value <= estimate.high <= 1


def test_kappa_standard_error_matches_published_sas_output() -> None:
    # The SAS PROC FREQ "Simple Kappa Coefficient" printout for this 3x3 table, which
    # statsmodels' tests compare its cohens_kappa against (stats/tests/test_inter_rater.py,
    # table10): kappa 0.4842, ASE 0.1380, 95% limits 0.2137 and 0.7547. SAS computes the ASE
    # with Fleiss, Cohen & Everitt (1969), so this pins the formula (statsmodels is not
    # installed here to compare with directly).
    estimate = cohen_kappa(pairs_from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]]))
    assert estimate.value == pytest.approx(0.4842, abs=5e-5)
    assert estimate.low == pytest.approx(0.2137, abs=5e-5)
    assert estimate.high == pytest.approx(0.7547, abs=5e-5)
    assert estimate.n == 19


def test_kappa_interval_halves_with_four_times_the_reviews() -> None:
    table = [[20, 3, 2], [4, 15, 1], [1, 2, 12]]
    once = cohen_kappa(pairs_from_table(table))
    four_times = cohen_kappa(pairs_from_table([[4 * c for c in row] for row in table]))
    assert once.value == pytest.approx(four_times.value)
    assert once.low is not None and once.high is not None
    assert four_times.low is not None and four_times.high is not None
    assert four_times.high - four_times.low == pytest.approx((once.high - once.low) / 2)


def test_kappa_is_undefined_without_items_or_with_one_shared_label() -> None:
    empty = cohen_kappa([])
    assert (empty.value, empty.low, empty.high, empty.n) == (None, None, None, 0)
    assert empty.describe("κ") == "κ undefined (n=0): no item reviewed twice yet"

    same = cohen_kappa([("spam", "spam")] * 50)
    assert same.value is None
    assert same.describe("κ") == (
        "κ undefined (n=50): both reviewers labelled every item 'spam': "
        "nothing to tell agreement from chance"
    )
    # Agreement itself is still perfect and says so.
    assert percent_agreement([("spam", "spam")] * 50).value == 1.0


def test_kappa_on_one_item_and_on_perfect_agreement() -> None:
    one = cohen_kappa([("spam", "fraud")])
    assert one.value == pytest.approx(cohen_kappa_score(["spam"], ["fraud"]))
    assert one.describe("κ") == "κ n=1: too few to say"

    perfect = cohen_kappa([("spam", "spam"), ("fraud", "fraud")] * 20)
    assert perfect.value == 1.0
    assert perfect.describe("κ") == "κ 1.00 (95% CI 1.00–1.00, n=40)"


def test_kappa_one_reviewer_using_one_label_is_defined() -> None:
    # Only the first reviewer is stuck on one label: chance agreement is below 1, kappa is 0.
    pairs = [("spam", "spam"), ("spam", "fraud")] * 20
    estimate = cohen_kappa(pairs)
    assert estimate.value == pytest.approx(0.0)
    first, second = zip(*pairs, strict=True)
    assert estimate.value == pytest.approx(cohen_kappa_score(first, second))


# Krippendorff's alpha --------------------------------------------------------------------------


@BOUNDED
@given(calibration_sets())
def test_alpha_matches_krippendorff_package(units: dict[int, dict[str, str]]) -> None:
    estimate = krippendorff_alpha(units, resamples=50)
    pairable = [ratings for ratings in units.values() if len(ratings) >= 2]
    assert estimate.n == len(pairable)
    labels_in_pairable = {label for ratings in pairable for label in ratings.values()}
    if len(labels_in_pairable) < 2:
        assert estimate.value is None
        assert estimate.reason
        return
    assert estimate.value == pytest.approx(reference_alpha(units), abs=1e-9)


def test_alpha_published_example() -> None:
    # Krippendorff's worked example (3 coders, 15 units, values 1-4, with gaps), alpha 0.691
    # nominal; the `krippendorff` package's docstring reproduces it.
    nan = None
    coders = [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
    units = {
        unit: {f"c{c}": str(row[unit]) for c, row in enumerate(coders) if row[unit] is not None}
        for unit in range(15)
    }
    estimate = krippendorff_alpha(units)
    assert estimate.value == pytest.approx(0.691358, abs=1e-6)
    assert estimate.n == 12  # the 1st, 2nd and 14th units have fewer than two ratings
    assert estimate.value is not None
    assert estimate.low is not None and estimate.high is not None
    assert estimate.low < estimate.value <= estimate.high


def _mixed_calibration_set(n_items: int, seed: int) -> dict[int, dict[str, str]]:
    """Four reviewers who mostly agree on a true label; a quarter of the ratings missing."""
    rng = np.random.default_rng(seed)
    units: dict[int, dict[str, str]] = {}
    for item in range(n_items):
        truth = LABELS[int(rng.integers(0, 3))]
        ratings = {}
        for reviewer in ("ana", "bo", "cy", "di"):
            if rng.random() < 0.25:
                continue
            ratings[reviewer] = truth if rng.random() < 0.8 else LABELS[int(rng.integers(0, 3))]
        units[item] = ratings
    return units


# 700 items take the path that draws the resamples in several chunks.
@pytest.mark.parametrize("n_items", [80, 700])
def test_alpha_interval_is_deterministic_and_matches_an_independent_bootstrap(
    n_items: int,
) -> None:
    units = _mixed_calibration_set(n_items, seed=7)
    estimate = krippendorff_alpha(units, resamples=2000, seed=0)
    assert estimate == krippendorff_alpha(units, resamples=2000, seed=0)

    # A bootstrap over items done the slow way, with the reference alpha and another generator.
    rng = np.random.default_rng(12345)
    items = [ratings for ratings in units.values() if len(ratings) >= 2]
    draws = []
    for _ in range(2000):
        picked = rng.integers(0, len(items), size=len(items))
        draws.append(reference_alpha({k: items[i] for k, i in enumerate(picked)}))
    low, high = np.quantile(draws, [0.025, 0.975])
    assert estimate.low is not None and estimate.high is not None
    # Two bootstraps of 2000 draws each agree to Monte Carlo error (about 0.01 here).
    assert estimate.low == pytest.approx(low, abs=0.03)
    assert estimate.high == pytest.approx(high, abs=0.03)
    assert estimate.value is not None
    assert estimate.low < estimate.value < estimate.high


def test_alpha_interval_narrows_with_more_items() -> None:
    few = krippendorff_alpha(_mixed_calibration_set(40, seed=1))
    many = krippendorff_alpha(_mixed_calibration_set(640, seed=1))
    assert few.low is not None and few.high is not None
    assert many.low is not None and many.high is not None
    assert many.high - many.low < (few.high - few.low) / 2
    assert few.describe("α").startswith("α 0.")
    # Items with a single rating left do not count.
    assert 600 < many.n < 640
    assert many.describe("α").endswith(f", n={many.n})")


def test_alpha_edge_cases() -> None:
    empty = krippendorff_alpha({})
    assert (empty.value, empty.n, empty.reason) == (None, 0, "no item has two ratings yet")

    lonely = krippendorff_alpha({"CASE-1": {"ana": "spam"}, "CASE-2": {"bo": "fraud"}})
    assert (lonely.value, lonely.n) == (None, 0)

    one_label = krippendorff_alpha({i: {"ana": "spam", "bo": "spam"} for i in range(40)})
    assert one_label.value is None and one_label.n == 40
    assert one_label.reason == "every rating is 'spam': nothing to tell agreement from chance"

    perfect = krippendorff_alpha(
        {i: {"ana": label, "bo": label, "cy": label} for i, label in enumerate(LABELS * 8)}
    )
    assert (perfect.value, perfect.low, perfect.high, perfect.n) == (1.0, 1.0, 1.0, 40)

    one_item = krippendorff_alpha({"CASE-1": {"ana": "spam", "bo": "fraud"}})
    assert one_item.value == pytest.approx(reference_alpha({0: {"ana": "spam", "bo": "fraud"}}))
    assert one_item.describe("α") == "α n=1: too few to say"


# Proportions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe(
    successes: int, total: int, low: float, high: float
) -> None:
    got = wilson_interval(successes, total)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_accuracy_at_none_and_all_correct_keeps_an_honest_interval() -> None:
    none_right = accuracy(0, 40)
    assert (none_right.value, none_right.low) == (0.0, 0.0)
    assert none_right.high is not None and 0.05 < none_right.high < 0.1
    all_right = accuracy(40, 40)
    assert (all_right.value, all_right.high) == (1.0, 1.0)
    assert all_right.low is not None and 0.9 < all_right.low < 0.95
    assert all_right.describe("accuracy", percent=True) == "accuracy 100% (95% CI 91%–100%, n=40)"


def test_accuracy_without_reviews_and_bad_counts() -> None:
    assert accuracy(0, 0) == Estimate(None, None, None, 0, reason="nothing reviewed yet")
    with pytest.raises(Invalid, match="between 0 and total"):
        accuracy(5, 4)
    with pytest.raises(Invalid, match="between 0 and total"):
        accuracy(-1, 4)
    with pytest.raises(Invalid, match="confidence level"):
        accuracy(1, 4, level=95)
    with pytest.raises(Invalid, match="total > 0"):
        wilson_interval(0, 0)


def test_percent_agreement() -> None:
    pairs = [("spam", "spam")] * 45 + [("spam", "fraud")] * 5
    estimate = percent_agreement(pairs, level=0.9)
    assert estimate.value == 0.9 and estimate.n == 50
    assert (estimate.low, estimate.high) == wilson_interval(45, 50, level=0.9)
    assert estimate.describe("agreement", percent=True).startswith("agreement 90% (90% CI ")
    assert percent_agreement([]).value is None


def test_small_threshold() -> None:
    assert Estimate(0.5, 0.1, 0.9, SMALL_SAMPLE - 1).small
    assert not Estimate(0.5, 0.3, 0.7, SMALL_SAMPLE).small
    assert Estimate(0.5, 0.3, 0.7, 3).describe() == "n=3: too few to say"
    assert Estimate(0.71, 0.58, 0.82, 64).describe("κ") == "κ 0.71 (95% CI 0.58–0.82, n=64)"
    assert Estimate(0.71, None, None, 64).describe("α") == "α 0.71 (n=64)"


def test_levels_change_the_interval() -> None:
    pairs = pairs_from_table([[20, 3, 2], [4, 15, 1], [1, 2, 12]])
    wide, narrow = cohen_kappa(pairs, level=0.99), cohen_kappa(pairs, level=0.8)
    assert wide.low is not None and wide.high is not None
    assert narrow.low is not None and narrow.high is not None
    assert wide.low < narrow.low < narrow.high < wide.high
    assert math.isclose(wide.value or 0, narrow.value or 0)
    with pytest.raises(Invalid):
        krippendorff_alpha({}, level=1.0)
