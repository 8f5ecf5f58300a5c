"""How well triage does on labelled examples: the figures `watchfloor triage eval` prints (pure).

"any harm" treats the set as harmful / benign: a text counts as flagged when triage places it in
any harm area. The benign look-alike rate is the share of benign texts flagged. P0 recall is the
share of texts the set marks as P0 that triage made P0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score

from watchfloor.triage.datasets import Example

ANY = "any harm"


@dataclass
class AreaFigures:
    area: str
    support: int
    precision: float
    recall: float
    f1: float
    auprc: float | None


@dataclass
class Report:
    rows: int
    areas: list[AreaFigures]
    accuracy: float
    lookalike_fpr: float | None
    p0_recall: float | None
    per_reports_second: float
    breakdown: dict[str, tuple[int, float]] = field(default_factory=dict)  # value → (n, accuracy)


def evaluate(
    examples: list[Example],
    flagged: list[set[str]],
    scores: list[dict[str, float]],
    p0: list[bool],
    seconds: float,
) -> Report:
    """Compare triage's output for each example with its labels."""
    harm = [bool(e.areas - {"unclassified"}) for e in examples]
    flagged_any = [bool(f - {"unclassified"}) for f in flagged]
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
        )
        for area in areas
    ]
    # Flagged in any harm area counts too: sets label harm more coarsely than the taxonomy does.
    figures.append(_figures(ANY, harm, flagged_any, any_score))
    correct = [h == f for h, f in zip(harm, flagged_any, strict=True)]
    benign = [f for h, f in zip(harm, flagged_any, strict=True) if not h]
    p0_rows = [got for e, got in zip(examples, p0, strict=True) if e.p0]
    by: dict[str, list[bool]] = defaultdict(list)
    for e, ok in zip(examples, correct, strict=True):
        if e.breakdown is not None:
            by[e.breakdown].append(ok)
    return Report(
        rows=len(examples),
        areas=figures,
        accuracy=_mean(correct),
        lookalike_fpr=_mean(benign) if benign else None,
        p0_recall=_mean(p0_rows) if p0_rows else None,
        per_reports_second=len(examples) / seconds if seconds > 0 else 0.0,
        breakdown={k: (len(v), _mean(v)) for k, v in sorted(by.items())},
    )


def _figures(area: str, truth: list[bool], got: list[bool], score: list[float]) -> AreaFigures:
    t, g = np.array(truth, dtype=bool), np.array(got, dtype=bool)
    tp = int((t & g).sum())
    precision = tp / int(g.sum()) if g.any() else 0.0
    recall = tp / int(t.sum()) if t.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auprc = float(average_precision_score(t, score)) if t.any() and not t.all() else None
    return AreaFigures(area, int(t.sum()), precision, recall, f1, auprc)


def _mean(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def render(name: str, report: Report, *, breakdown: bool = True) -> str:
    """The report as a plain-text table."""
    lines = [
        f"{name}: {report.rows} rows, accuracy {report.accuracy:.3f}, "
        f"{report.per_reports_second:,.0f} reports/s",
        f"{'harm area':<20} {'n':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'AUPRC':>6}",
    ]
    for f in report.areas:
        auprc = f"{f.auprc:.3f}" if f.auprc is not None else "-"
        lines.append(
            f"{f.area:<20} {f.support:>6} {f.precision:>9.3f} {f.recall:>7.3f} {f.f1:>6.3f} {auprc:>6}"
        )
    if report.lookalike_fpr is not None:
        lines.append(f"false-positive rate on benign look-alikes: {report.lookalike_fpr:.3f}")
    if report.p0_recall is not None:
        lines.append(f"P0 recall: {report.p0_recall:.3f}")
    if breakdown and report.breakdown:
        lines.append("accuracy by " + ("group" if len(report.breakdown) > 1 else "value") + ":")
        for value, (n, acc) in report.breakdown.items():
            lines.append(f"  {value:<40} {n:>5} {acc:.3f}")
    return "\n".join(lines)
