"""Plain-language findings of a week, for the weekly report (pure: no database).

A finding is a sentence a lead can repeat in a meeting. None over-reads a small sample: a
change in volume is called a rise or a fall only when chance alone would rarely give it (the
two weeks' counts compared as Poisson counts) and it is large enough to matter; a change in a
share only when a two-proportion test says so; and a figure resting on fewer than
``SMALL_SAMPLE`` cases, clocks or reviews says that instead of a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchfloor.insights.charts import duration_text
from watchfloor.insights.measures import Attainment, Durations, Metrics, Rate
from watchfloor.quality.agreement import SMALL_SAMPLE, Estimate

if TYPE_CHECKING:
    from watchfloor.insights.automation import Opportunity
    from watchfloor.insights.clusters import Cluster
    from watchfloor.insights.spikes import Spike

# |z| past which a difference is more than chance (two-sided, about 95 %).
Z_CHANGE = 1.96
# A significant change smaller than this share is not worth a sentence.
MIN_RELATIVE_CHANGE = 0.2
MAX_VOLUME_FINDINGS = 5
MAX_LISTED = 3
EN_DASH = "\u2013"


@dataclass(frozen=True)
class Targets:
    """What the week is held against. SLA clocks already count each case against its own
    priority's target; these are the team's goals for the week as a whole."""

    sla_attainment: float = 0.95
    first_action_p90: float | None = None  # seconds
    resolution_p90: float | None = None  # seconds


@dataclass(frozen=True)
class Finding:
    topic: str  # "volume", "speed", "sla", "backlog", "rates", "spikes", "clusters", ...
    text: str


def number(n: int) -> str:
    return f"{n:,}"


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def poisson_z(now: int, before: int) -> float:
    """How far apart two counts are, in standard errors, if both came from one rate."""
    return (now - before) / math.sqrt(now + before) if now + before else 0.0


def proportions_z(a: int, n: int, b: int, m: int) -> float:
    """The two-proportion z statistic of a/n against b/m (pooled)."""
    if not n or not m:
        return 0.0
    pooled = (a + b) / (n + m)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    return (a / n - b / m) / spread if spread else 0.0


def kappa_words(kappa: float) -> str:
    """Landis and Koch's (1977) words for a kappa."""
    if kappa < 0:
        return "poor agreement"
    for bound, words in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= bound:
            return f"{words} agreement"
    return "almost perfect agreement"


def volume_change(label: str, now: int, before: int) -> str | None:
    """ "Volume of X rose 42 % on last week (1,204 vs 848)", or None when the change is within
    chance or too small to matter."""
    if now + before < SMALL_SAMPLE:
        return None
    z = poisson_z(now, before)
    if abs(z) < Z_CHANGE:
        return None
    if before == 0:
        return f"Volume of {label}: {number(now)}, none last week"
    change = (now - before) / before
    if abs(change) < MIN_RELATIVE_CHANGE:
        return None
    verb = "rose" if change > 0 else "fell"
    return (
        f"Volume of {label} {verb} {abs(change) * 100:.0f} % on last week "
        f"({number(now)} vs {number(before)})"
    )


def _total(this: Metrics, last: Metrics | None) -> Finding:
    if this.opened == 0 and (last is None or last.opened == 0):
        return Finding("volume", "No case was opened this week" + (" or last." if last else "."))
    text = f"{number(this.opened)} cases opened"
    if last is not None and this.opened + last.opened < SMALL_SAMPLE:
        text += f" ({number(last.opened)} last week: too few to compare)"
    elif last is not None:
        z = poisson_z(this.opened, last.opened)
        if last.opened and abs(z) >= Z_CHANGE:
            change = (this.opened - last.opened) / last.opened
            word = "up" if change > 0 else "down"
            text += f", {word} {abs(change) * 100:.0f} % on last week ({number(last.opened)})"
        else:
            text += f" ({number(last.opened)} last week: within the usual variation)"
    return Finding("volume", text + ".")


def _volumes(this: Metrics, last: Metrics | None) -> list[Finding]:
    if last is None:
        return []
    found: list[tuple[float, str]] = []
    for dimension in ("harm_area", "source", "region", "language"):
        now, before = this.volume.get(dimension, {}), last.volume.get(dimension, {})
        for key in sorted(set(now) | set(before)):
            a, b = now.get(key, 0), before.get(key, 0)
            label = key if dimension == "harm_area" else f"{dimension} {key}"
            text = volume_change(label, a, b)
            if text:
                found.append((abs(poisson_z(a, b)), text))
    found.sort(key=lambda f: -f[0])
    return [Finding("volume", f"{t}.") for _, t in found[:MAX_VOLUME_FINDINGS]]


def _duration(
    name: str, this: Durations, last: Durations | None, target: float | None
) -> Finding | None:
    if this.count == 0:
        return None
    if this.count < SMALL_SAMPLE:
        return Finding("speed", f"{name} p90 rests on {number(this.count)} cases: too few to read.")
    text = f"{name} p90 was {duration_text(this.p90)}"
    if last is not None and last.count >= SMALL_SAMPLE:
        text += f" ({duration_text(last.p90)} last week)"
    if target is not None and this.p90 is not None:
        side = "over" if this.p90 > target else "within"
        text += f", {side} the {duration_text(target)} target"
    return Finding("speed", text + ".")


def _attainment(
    name: str, this: Attainment, last: Attainment | None, target: float
) -> Finding | None:
    n = this.met + this.missed
    if n == 0:
        return None
    if n < SMALL_SAMPLE:
        return Finding(
            "sla", f"{name} SLA attainment rests on {number(n)} clocks: too few to read."
        )
    share = this.met / n
    m = last.met + last.missed if last else 0
    if last is not None and m >= SMALL_SAMPLE:
        before = last.met / m
        if abs(proportions_z(this.met, n, last.met, m)) >= Z_CHANGE:
            verb = "rose" if share > before else "fell"
            text = f"{name} SLA attainment {verb} from {percent(before)} to {percent(share)}"
        else:
            text = f"{name} SLA attainment was {percent(share)} ({percent(before)} last week)"
    else:
        text = f"{name} SLA attainment was {percent(share)}"
    text += f" (n = {number(n)})"
    if share < target:
        text += f", under the {percent(target)} target"
    return Finding("sla", text + ".")


def _rate(name: str, rate: Rate, of_what: str) -> Finding | None:
    if rate.of == 0:
        return None
    if rate.of < SMALL_SAMPLE:
        return Finding("rates", f"{name} rests on {number(rate.of)} {of_what}: too few to say.")
    text = f"{name}: {percent(rate.count / rate.of)} of {number(rate.of)} {of_what}"
    if rate.low is not None and rate.high is not None:
        text += f" (95 % CI {percent(rate.low)}{EN_DASH}{percent(rate.high)})"
    return Finding("rates", text + ".")


def _backlog(this: Metrics) -> Finding:
    text = f"{number(this.backlog.open)} cases open at the end of the week"
    old = this.backlog.by_age.get("> 7 d", 0)
    if old:
        text += f"; {number(old)} waiting over 7 days"
    return Finding("backlog", text + ".")


def _spikes(spikes: Sequence[Spike]) -> Finding:
    if not spikes:
        return Finding("spikes", "No volume spike this week.")
    listed = "; ".join(
        f"{s.key} {s.start:%a %d %b %H:%M} UTC ({s.check}: {number(s.observed)} reports, "
        f"about {s.expected:.0f} expected)"
        for s in spikes[:MAX_LISTED]
    )
    more = f", and {len(spikes) - MAX_LISTED} more" if len(spikes) > MAX_LISTED else ""
    word = "spike" if len(spikes) == 1 else "spikes"
    return Finding("spikes", f"{len(spikes)} volume {word}: {listed}{more}.")


def _clusters(clusters: Sequence[Cluster], withheld: frozenset[str]) -> Finding:
    if not clusters:
        return Finding("clusters", "No emerging cluster of similar reports this week.")
    largest = max(clusters, key=lambda c: (c.size, -c.id))
    hidden = any(area in withheld for area, _ in largest.harm_areas)
    about = "words withheld" if hidden else f"about {', '.join(largest.top_terms[:4])}"
    word = "cluster" if len(clusters) == 1 else "clusters"
    example = f", e.g. {largest.example_cases[0]}" if largest.example_cases else ""
    return Finding(
        "clusters",
        f"{len(clusters)} emerging {word} of similar reports; the largest ({about}) had "
        f"{number(largest.size)} reports{example}.",
    )


def _opportunities(opportunities: Sequence[Opportunity]) -> list[Finding]:
    return [
        Finding(
            "automation",
            f"{o.suggested_policy} was decided the same way in {percent(o.same.value or 0)} "
            f"of {number(o.decisions)} decisions: a rule would have saved about "
            f"{o.hours_saved:.0f} analyst hours (worst error rate {percent(o.error_risk)}).",
        )
        for o in opportunities[:MAX_LISTED]
    ]


def _agreement(kappas: Sequence[tuple[str, Estimate]]) -> list[Finding]:
    found: list[tuple[float, str]] = []
    few: list[str] = []
    for group, kappa in kappas:
        if kappa.value is None:
            continue
        if kappa.small:
            few.append(f"{group} (n = {kappa.n})")
            continue
        found.append(
            (
                kappa.value,
                f"Kappa for {group} is {kappa.value:.2f} (n = {number(kappa.n)}): "
                f"{kappa_words(kappa.value)}.",
            )
        )
    found.sort()
    out = [Finding("quality", text) for _, text in found[:MAX_VOLUME_FINDINGS]]
    if few:
        out.append(
            Finding("quality", f"Too few QA reviews to read agreement for {', '.join(few)}.")
        )
    return out


def findings(
    this: Metrics,
    last: Metrics | None,
    *,
    spikes: Sequence[Spike] = (),
    clusters: Sequence[Cluster] = (),
    opportunities: Sequence[Opportunity] = (),
    kappas: Sequence[tuple[str, Estimate]] = (),
    withheld: frozenset[str] = frozenset(),
    targets: Targets = Targets(),
) -> list[Finding]:
    """The week's findings, volume first, then speed, SLA, backlog, rates, spikes, clusters,
    automation and QA agreement (``kappas``: per harm area, the lowest first)."""
    out: list[Finding | None] = [_total(this, last), *_volumes(this, last)]
    out.append(
        _duration(
            "First action",
            this.first_action,
            last.first_action if last else None,
            targets.first_action_p90,
        )
    )
    out.append(
        _duration(
            "Resolution", this.resolution, last.resolution if last else None, targets.resolution_p90
        )
    )
    out.append(
        _attainment(
            "First-action",
            this.sla_first_action,
            last.sla_first_action if last else None,
            targets.sla_attainment,
        )
    )
    out.append(
        _attainment(
            "Resolution",
            this.sla_resolution,
            last.sla_resolution if last else None,
            targets.sla_attainment,
        )
    )
    out.append(_backlog(this))
    out.append(_rate("Reopened", this.reopened, "resolved cases"))
    out.append(_rate("Overturned after a reopen", this.overturned, "reopened cases decided again"))
    out.append(_rate("QA accuracy", this.qa_accuracy, "reviews"))
    out.append(_spikes(spikes))
    out.append(_clusters(clusters, withheld))
    out.extend(_opportunities(opportunities))
    out.extend(_agreement(kappas))
    return [f for f in out if f is not None]
