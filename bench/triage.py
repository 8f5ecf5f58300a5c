"""Triage throughput: reports per second with rules only and with the classifier, one report at
a time and in batches, and the process's peak memory.

Run: .venv/bin/python bench/triage.py [--reports 5000] [--words 100]

The reports are demo reports padded to --words words (default 100), so they read like real
reports and every harm area is present. The engine is the one intake uses
(``runtime.config.triager``), in this process, on one core:
- single: ``triage_many([report])`` per report, as the single-report endpoint calls it;
- batched: ``triage_many`` over 1,000 reports at a time, as the batch endpoint calls it.
Targets (issue #3): rules only >= 5,000 reports/s; with the classifier >= 200 reports/s of
100-word reports on a 2-core machine; resident memory under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_yardstick
from watchfloor.runtime import load_config
from watchfloor.settings import Settings
from watchfloor.sim.demo_reports import generate_reports
from watchfloor.triage.rules.engine import TriageInput
from watchfloor.triage.service import TriageEngine

RULES_TARGET = 5000.0
CLASSIFIER_TARGET = 200.0
MEMORY_TARGET_MB = 1024.0


def inputs(count: int, words: int) -> list[TriageInput]:
    end = datetime(2026, 11, 25, tzinfo=UTC)
    reports = [r for _, r in generate_reports(count, start=end - timedelta(days=1), end=end)]
    texts = [r.text.split() for r in reports]
    out = []
    for i, r in enumerate(reports):
        body = list(texts[i])
        j = i
        while len(body) < words:  # pad with the next reports' words: realistic vocabulary
            j = (j + 1) % len(texts)
            body += texts[j]
        out.append(TriageInput(" ".join(body[:words]), r.reporter.kind, r.category, r.region))
    return out


def rate(engine: TriageEngine, items: list[TriageInput], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        engine.triage_many(items[i : i + batch])
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--words", type=int, default=100)
    args = parser.parse_args()

    config = load_config(Settings(environment="test"))
    full = config.triager
    assert isinstance(full, TriageEngine) and full.classifier is not None, "no classifier model"
    rules_only = TriageEngine(full.taxonomy, full.rules, None)
    items = inputs(args.reports, args.words)
    rate(full, items[:200], 100)  # warm up
    rows = [
        ("rules only", "single", rate(rules_only, items, 1), RULES_TARGET),
        ("rules only", "batched", rate(rules_only, items, 1000), RULES_TARGET),
        ("rules + classifier", "single", rate(full, items, 1), CLASSIFIER_TARGET),
        ("rules + classifier", "batched", rate(full, items, 1000), CLASSIFIER_TARGET),
    ]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.reports} reports of {args.words} words, one core")
    print(f"CPU yardstick: 10M Python additions in {cpu_yardstick():.2f} s (lower is faster)")
    print(f"{'engine':<20} {'mode':<8} {'reports/s':>10} {'target':>8} {'ratio':>6}")
    for engine, mode, value, target in rows:
        print(f"{engine:<20} {mode:<8} {value:>10,.0f} {target:>8,.0f} {value / target:>6.1f}")
    print(
        f"peak resident memory: {peak_mb:,.0f} MB (target under {MEMORY_TARGET_MB:,.0f} MB, "
        f"ratio {peak_mb / MEMORY_TARGET_MB:.2f})"
    )


if __name__ == "__main__":
    main()
