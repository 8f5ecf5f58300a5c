"""Spikes: a harm area or a source whose volume leaves its weekly seasonal band (pure).

Volume has a weekly rhythm (weekdays above weekends, evenings above nights, a Monday-morning
surge of what piled up over the weekend), so an hour is compared with the *same hour of the
week* in the previous weeks, never with the hour before: the Monday surge is then expected, and
a real jump is not hidden by a busy weekday. The expected count is the median over those weeks
(one odd week, a holiday or a past incident, does not move it). Neighbouring hours are not
pooled in: a sharp weekly peak (the first hour of the Monday surge) would be smoothed away.

Whether an observed count is surprising is a tail probability, not a fixed multiple: the count
is taken as negative binomial around the expected one, which is a Poisson count (what chance
gives) widened for two things: the expected rate is itself estimated from a few weeks (a quiet
key's estimate is uncertain, so its band is wider), and whole days swing by some share
(``dispersion``) for reasons nobody will act on. A period whose own weeks varied more than
that (a quiet key at a quiet hour: 5, 0, 0 reports) takes the spread its weeks showed. Many keys are checked every hour, so the
probability a flag needs is ``alpha`` shared among them (Bonferroni): about ``alpha`` false
flags per hour in all, whatever the number of keys. A flag also needs ``min_excess`` reports
above the expected count, so a quiet key going from 1 to 4 reports is never an alarm.

The same check runs on the 3 hours and the 24 hours ending now, against the same hours in
previous weeks: a jump spread over a few hours, or a slow build-up, that never breaks an hourly
band still shows in their total.

The defaults were chosen on the generated TRAINING month of bench/insights.py (seed 1) only; see
its figures there.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)

Check = Literal["hour", "3 hours", "day"]
HourlyCounts = Mapping[str, Mapping[datetime, int]]
"""Reports per key ("fraud_scams", "source in_app"…) per hour, keyed by the hour's start (UTC).
An hour missing from a key's mapping within the counted period had no reports."""


@dataclass(frozen=True)
class BandSettings:
    """How surprising a count must be to flag; see the module docstring."""

    # Chance of a false flag per check and hour, shared among all the keys checked.
    alpha: float = 1e-3
    # Day-to-day swing of a key's volume as a share (its coefficient of variation).
    dispersion: float = 0.1
    min_excess: float = 6.0


@dataclass(frozen=True)
class SpikeSettings:
    """Thresholds of both checks (chosen on the TRAINING month only)."""

    min_weeks: int = 2
    max_weeks: int = 4
    hourly: BandSettings = BandSettings()
    # A jump spread over a few hours (a detector misfiring for two) that no single hour shows.
    three_hours: BandSettings | None = BandSettings(alpha=1e-3, dispersion=0.1, min_excess=10.0)
    daily: BandSettings = BandSettings(alpha=1e-3, dispersion=0.1, min_excess=30.0)
    # Drops are worth a flag too (a source that stopped sending), but off unless asked for.
    drops: bool = False


@dataclass(frozen=True)
class Band:
    """The expected count and the range of counts that raise no flag."""

    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class Spike:
    """A key whose count in [start, end) left its seasonal band."""

    key: str
    check: Check
    start: datetime
    end: datetime
    observed: int
    expected: float
    low: float
    high: float
    direction: Literal["above", "below"]
    reason: str


@dataclass(frozen=True)
class Expectation:
    """What earlier weeks predict for a count: its mean and negative-binomial shape ``r``
    (variance ``mean + mean**2 / r``)."""

    mean: float
    r: float

    def upper_tail(self, k: int) -> float:
        """P(count >= k)."""
        if k <= 0:
            return 1.0
        # Summed upward from k: the terms shrink geometrically once past the mean.
        total, j, term = 0.0, k, self._pmf(k)
        while term > 0 and (term > total * 1e-12 or j <= self.mean):
            total += term
            j += 1
            term = self._pmf(j)
        return min(1.0, total)

    def lower_tail(self, k: int) -> float:
        """P(count <= k)."""
        if k < 0:
            return 0.0
        # Summed downward from k: below the mean the terms shrink as they go.
        total, j = 0.0, k
        while j >= 0:
            term = self._pmf(j)
            total += term
            if j < self.mean and term <= total * 1e-12:
                break
            j -= 1
        return min(1.0, total)

    def spread(self) -> float:
        """The standard deviation."""
        return math.sqrt(self.mean + self.mean**2 / self.r)

    def _pmf(self, k: int) -> float:
        m, r = self.mean, self.r
        if m <= 0:
            return 1.0 if k == 0 else 0.0
        log = (
            math.lgamma(k + r)
            - math.lgamma(r)
            - math.lgamma(k + 1)
            + r * math.log(r / (r + m))
            + k * math.log(m / (r + m))
        )
        return math.exp(log)


def expectation(history: list[float], *, pooled: int, dispersion: float) -> Expectation:
    """The expected count from earlier weeks' (``history``, non-empty) per-period averages, each
    over ``pooled`` periods in all: the median, uncertain as ``pooled`` observations make it
    (a gamma-Poisson prediction) and widened by ``dispersion``; never narrower than the spread
    the period itself showed from week to week."""
    mean = float(statistics.median(history))
    # Half a report added: a key never seen before is not certain never to be seen.
    r_estimate = mean * pooled + 0.5
    r = 1.0 / (1.0 / r_estimate + dispersion**2)
    expected = Expectation(max(mean, 0.5 / pooled), r)
    return _as_wide_as(expected, history)


def _as_wide_as(expected: Expectation, history: list[float]) -> Expectation:
    """``expected`` widened to the sample variance of ``history`` when that is larger than the
    model's: a period whose own weeks went 5, 0, 0 is erratic, and a median of 0 must not make
    its next 9 look impossible. One shared ``dispersion`` cannot know which periods swing so."""
    if len(history) < 2:
        return expected
    m = expected.mean
    spread = statistics.variance(history)
    if spread <= m + m * m / expected.r or spread <= m:
        return expected
    return Expectation(m, min(expected.r, m * m / (spread - m)))


def band(expected: Expectation, threshold: float) -> Band:
    """The counts whose tail probability is at least ``threshold`` on either side."""
    # Bisection: both tails are monotone, and a big key's band spans hundreds of counts.
    lo, hi = math.floor(expected.mean), math.ceil(expected.mean + 60 * expected.spread() + 10)
    while lo < hi:  # the largest count whose upper tail is still >= threshold
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if expected.upper_tail(mid) >= threshold else (lo, mid - 1)
    high = lo
    lo, hi = 0, math.floor(expected.mean)
    while lo < hi:  # the smallest count whose lower tail is still >= threshold
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if expected.lower_tail(mid) >= threshold else (mid + 1, hi)
    return Band(expected.mean, float(lo), float(high))


def detect_spikes(
    counts: HourlyCounts,
    *,
    hour: datetime,
    since: datetime,
    settings: SpikeSettings = SpikeSettings(),
) -> list[Spike]:
    """Flags for the hour starting at ``hour`` (just ended) and the 3 and 24 hours ending with it.

    ``since`` is the start of the first counted hour: weeks before it are unknown, not zero, and
    a key is only checked with at least ``settings.min_weeks`` known weeks behind it.
    """
    weeks = min(settings.max_weeks, int((hour - since) / WEEK))
    if weeks < settings.min_weeks:
        return []
    # Each check shares its alpha among the keys (Bonferroni).
    keys = max(1, len(counts))
    checks: list[tuple[Check, int, BandSettings]] = [("hour", 1, settings.hourly)]
    if settings.three_hours is not None:
        checks.append(("3 hours", 3, settings.three_hours))
    checks.append(("day", 24, settings.daily))
    found: list[Spike] = []
    for key in sorted(counts):
        series = counts[key]
        for check, hours, band_settings in checks:
            start = hour - (hours - 1) * HOUR
            known = min(settings.max_weeks, int((start - since) / WEEK))
            if known < settings.min_weeks:
                continue
            past = [float(_total(series, start - k * WEEK, hours)) for k in range(1, known + 1)]
            expected = expectation(past, pooled=known, dispersion=band_settings.dispersion)
            observed = _total(series, start, hours)
            spike = _check(
                key, check, start, hours, observed, expected, band_settings, keys, settings
            )
            if spike:
                found.append(spike)
    return found


def _total(series: Mapping[datetime, int], start: datetime, hours: int) -> int:
    return sum(series.get(start + i * HOUR, 0) for i in range(hours))


def _check(
    key: str,
    check: Check,
    start: datetime,
    hours: int,
    observed: int,
    expected: Expectation,
    band_settings: BandSettings,
    keys: int,
    settings: SpikeSettings,
) -> Spike | None:
    threshold = band_settings.alpha / keys
    excess = observed - expected.mean
    if excess >= band_settings.min_excess and expected.upper_tail(observed) < threshold:
        direction: Literal["above", "below"] = "above"
    elif (
        settings.drops
        and -excess >= band_settings.min_excess
        and expected.lower_tail(observed) < threshold
    ):
        direction = "below"
    else:
        return None
    end = start + hours * HOUR
    found = band(expected, threshold)
    if direction == "above":  # the band the user reads ends where a flag would start
        found = Band(
            found.expected, found.low, max(found.high, expected.mean + band_settings.min_excess - 1)
        )
    return Spike(
        key=key,
        check=check,
        start=start,
        end=end,
        observed=observed,
        expected=round(expected.mean, 2),
        low=found.low,
        high=found.high,
        direction=direction,
        reason=reason(key, start, end, observed, found),
    )


def reason(key: str, start: datetime, end: datetime, observed: int, expected: Band) -> str:
    """One line an analyst reads: what, when, how many, against what range."""
    if end - start == HOUR:
        when = f"{start:%H:%M}-{end:%H:%M} UTC {start:%A}"
    else:
        when = f"in the {(end - start) / HOUR:g} h to {end:%H:%M} UTC {end:%A}"
    low, high = math.ceil(expected.low), math.floor(expected.high)
    noun = "report" if observed == 1 else "reports"
    return f"{key}: {observed} {noun} {when}, expected {low}-{high}"
