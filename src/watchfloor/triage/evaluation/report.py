"""How well triage does on labelled examples: the figures `watchfloor triage eval` prints (pure).

"any harm" treats the set as harmful / benign: a text counts as flagged when triage places it in
any harm area. The benign look-alike rate is the share of benign texts flagged. "Right area" is
the share of harmful texts placed in one of the areas their label maps to. P0 recall is the
share of texts the set marks as P0 that triage made P0. Every proportion carries a 95 % Wilson
interval and every AUPRC a fixed-seed bootstrap one (intervals.py), so a change can be told
from the noise of a few hundred sealed rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score

from watchfloor.triage.evaluation.datasets import Example
from watchfloor.triage.evaluation.intervals import bootstrap_auprc, wilson

ANY = "any harm"
Interval = tuple[float, float]


@dataclass(frozen=True)
class Share:
    """A proportion with its 95 % Wilson interval."""

    hits: int
    n: int

    @property
    def value(self) -> float:
        return self.hits / self.n if self.n else 0.0

    @property
    def interval(self) -> Interval:
        return wilson(self.hits, self.n)

    def __str__(self) -> str:
        if not self.n:
            return "-"
        low, high = self.interval
        return f"{self.value:.3f} [{low:.3f}, {high:.3f}]"


def share(values: list[bool]) -> Share:
    return Share(sum(values), len(values))


@dataclass
class AreaFigures:
    area: str
    support: int
    precision: float
    recall: float
    f1: float
    auprc: float | None
    precision_share: Share = Share(0, 0)
    recall_share: Share = Share(0, 0)
    auprc_interval: Interval | None = None


@dataclass
class Slice:
    """One value of a set's breakdown field (a language, a hazard)."""

    accuracy: Share
    right_area: Share | None  # among its harmful rows

    @property
    def n(self) -> int:
        return self.accuracy.n


@dataclass
class Report:
    rows: int
    areas: list[AreaFigures]
    accuracy: float
    lookalike_fpr: float | None
    p0_recall: float | None
    per_reports_second: float
    breakdown: dict[str, Slice] = field(default_factory=dict)
    accuracy_share: Share = Share(0, 0)
    lookalike_share: Share | None = None
    p0_share: Share | None = None
    right_area: Share | None = None

    def figure(self, area: str) -> AreaFigures | None:
        return next((f for f in self.areas if f.area == area), None)


def evaluate(
    examples: list[Example],
    flagged: list[set[str]],
    scores: list[dict[str, float]],
    p0: list[bool],
    seconds: float,
    *,
    intervals: bool = True,
) -> Report:
    """Compare triage's output for each example with its labels (``intervals=False`` skips
    the bootstrap, for callers that only rank models by AUPRC)."""
    harm = [bool(e.areas - {"unclassified"}) for e in examples]
    flagged_any = [bool(f - {"unclassified"}) for f in flagged]
    right = [bool(e.areas & f) for e, f in zip(examples, flagged, strict=True)]
    any_score = [
        max((s for a, s in sc.items() if a != "unclassified"), default=0.0) for sc in scores
    ]
    areas = sorted({a for e in examples for a in e.areas} - {"unclassified"})
    figures = [
        _figures(
            area,
            [area in e.areas for e in examples],
            [area in f for f in flagged],
            [sc.get(area, 0.0) for sc in scores],
            intervals,
        )
        for area in areas
    ]
    # Flagged in any harm area counts too: sets label harm more coarsely than the taxonomy does.
    figures.append(_figures(ANY, harm, flagged_any, any_score, intervals))
    correct = [h == f for h, f in zip(harm, flagged_any, strict=True)]
    benign = [f for h, f in zip(harm, flagged_any, strict=True) if not h]
    right_harm = [r for h, r in zip(harm, right, strict=True) if h]
    p0_rows = [got for e, got in zip(examples, p0, strict=True) if e.p0]
    by: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        if e.breakdown is not None:
            by[e.breakdown].append(i)
    return Report(
        rows=len(examples),
        areas=figures,
        accuracy=_mean(correct),
        lookalike_fpr=_mean(benign) if benign else None,
        p0_recall=_mean(p0_rows) if p0_rows else None,
        per_reports_second=len(examples) / seconds if seconds > 0 else 0.0,
        breakdown={
            value: Slice(
                share([correct[i] for i in rows]),
                share([right[i] for i in rows if harm[i]]) if any(harm[i] for i in rows) else None,
            )
            for value, rows in sorted(by.items())
        },
        accuracy_share=share(correct),
        lookalike_share=share(benign) if benign else None,
        p0_share=share(p0_rows) if p0_rows else None,
        right_area=share(right_harm) if right_harm else None,
    )


def _figures(
    area: str, truth: list[bool], got: list[bool], score: list[float], intervals: bool
) -> AreaFigures:
    t, g = np.array(truth, dtype=bool), np.array(got, dtype=bool)
    tp = int((t & g).sum())
    precision = tp / int(g.sum()) if g.any() else 0.0
    recall = tp / int(t.sum()) if t.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auprc = float(average_precision_score(t, score)) if t.any() and not t.all() else None
    return AreaFigures(
        area,
        int(t.sum()),
        precision,
        recall,
        f1,
        auprc,
        Share(tp, int(g.sum())),
        Share(tp, int(t.sum())),
        bootstrap_auprc(truth, score) if intervals and auprc is not None else None,
    )


def _mean(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def render(name: str, report: Report, *, breakdown: bool = True) -> str:
    """The report as a plain-text table; [low, high] is a 95 % confidence interval."""
    lines = [
        f"{name}: {report.rows} rows, accuracy {report.accuracy_share}, "
        f"{report.per_reports_second:,.0f} reports/s",
        f"{'harm area':<20} {'n':>6} {'precision':>21} {'recall':>21} {'F1':>6} {'AUPRC':>21}",
    ]
    for f in report.areas:
        auprc = f"{f.auprc:.3f}" if f.auprc is not None else "-"
        if f.auprc_interval is not None:
            auprc += f" [{f.auprc_interval[0]:.3f}, {f.auprc_interval[1]:.3f}]"
        lines.append(
            f"{f.area:<20} {f.support:>6} {f.precision_share!s:>21} {f.recall_share!s:>21} "
            f"{f.f1:>6.3f} {auprc:>21}"
        )
    if report.right_area is not None:
        lines.append(f"harmful rows placed in one of their label's areas: {report.right_area}")
    if report.lookalike_share is not None:
        lines.append(f"false-positive rate on benign look-alikes: {report.lookalike_share}")
    if report.p0_share is not None:
        lines.append(f"P0 recall: {report.p0_share}")
    if breakdown and report.breakdown:
        lines.append(f"{'by value':<40} {'n':>5} {'accuracy':>21} {'right area (harmful)':>21}")
        for value, piece in report.breakdown.items():
            right = str(piece.right_area) if piece.right_area is not None else "-"
            lines.append(f"  {value:<38} {piece.n:>5} {piece.accuracy!s:>21} {right:>21}")
    return "\n".join(lines)


def render_summary(reports: list[tuple[str, Report]]) -> str:
    """One line per set: the figures to compare sets and runs by, with 95 % intervals."""
    lines = [
        "summary (95 % intervals; recall, AUPRC: any harm area; FPR: benign rows flagged)",
        f"{'set':<24} {'n':>6} {'accuracy':>21} {'recall':>21} {'FPR':>21} {'AUPRC':>21}",
    ]
    for name, report in reports:
        any_harm = report.figure(ANY)
        recall = str(any_harm.recall_share) if any_harm and any_harm.recall_share.n else "-"
        fpr = str(report.lookalike_share) if report.lookalike_share is not None else "-"
        auprc = "-"
        if any_harm is not None and any_harm.auprc is not None:
            auprc = f"{any_harm.auprc:.3f}"
            if any_harm.auprc_interval is not None:
                low, high = any_harm.auprc_interval
                auprc += f" [{low:.3f}, {high:.3f}]"
        lines.append(
            f"{name:<24} {report.rows:>6} {report.accuracy_share!s:>21} {recall:>21} "
            f"{fpr:>21} {auprc:>21}"
        )
    return "\n".join(lines)
