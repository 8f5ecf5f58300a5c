"""Second-stage throughput on one core: reports/s one at a time and in batches, what share of a
50 reports/s stream it can afford to look at, and peak memory together with the first stage.

Run: .venv/bin/python bench/second_stage.py [--reports 500] [--words 100] [--embedder NAME]

The process pins itself to one core with one BLAS/OpenMP thread, loads the first stage (the
engine intake uses) and the shipped second stage, and scores demo reports padded to --words
words (bench/triage.py's inputs):
- single: ``scores([report])`` per report, as a job looking at one report would;
- batched: ``scores`` over --batch reports at a time, as a job draining a backlog would.
Targets (issue #20): the worker keeps up with 50 reports/s, so the second stage can look at
min(1, rate / 50) of them on one core; a batch must finish well inside the 5 s p99 from
arrival to final priority; peak memory of both stages together under 1.5 GB.
``--embedder NAME`` times another embedder's vectors alone (e.g. multilingual-e5-small-q4), for
the comparison; its memory is measured in the same process, so run it on its own.
"""

from __future__ import annotations

import os

# Before numpy loads: one thread, so the figures are one core's.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_yardstick  # noqa: E402
from triage import inputs  # noqa: E402
from watchfloor.runtime import load_config  # noqa: E402
from watchfloor.settings import Settings  # noqa: E402
from watchfloor.triage.classifiers.second_stage import EMBEDDERS, load_second_stage  # noqa: E402
from watchfloor.triage.service import TriageEngine  # noqa: E402

STREAM = 50.0  # reports/s the worker must keep up with
P99_SECONDS = 5.0
MEMORY_TARGET_MB = 1536.0


def rate(score: Callable[[Sequence[str]], object], texts: list[str], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        score(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--embedder", choices=sorted(EMBEDDERS), default=None)
    args = parser.parse_args()

    items = inputs(args.reports, args.words)
    texts = [i.text for i in items]
    if args.embedder:
        embedder = EMBEDDERS[args.embedder]()
        name, score = f"{embedder.name} {embedder.version} (vectors only)", embedder.embed
    else:
        config = load_config(Settings(environment="test"))
        first = config.triager
        assert isinstance(first, TriageEngine) and first.classifier is not None, "no first stage"
        first.triage_many(items[:200])  # the first stage is resident, as in the worker
        second = load_second_stage()
        if second is None:
            sys.exit("no second-stage model: run `make second-stage` (see the log line above)")
        name, score = second.name, second.scores
    score(texts[:20])  # warm up
    single = rate(score, texts, 1)
    batched = rate(score, texts, args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: {args.reports} reports of {args.words} words, one core, one thread")
    print(f"CPU yardstick: 10M Python additions in {cpu_yardstick():.2f} s (lower is faster)")
    print(f"{'mode':<16} {'reports/s':>10} {'ms/report':>10} {'share of 50/s':>14}")
    for mode, value in (("single", single), (f"batches of {args.batch}", batched)):
        print(f"{mode:<16} {value:>10,.1f} {1000 / value:>10.1f} {min(1.0, value / STREAM):>14.2f}")
    best = max(single, batched)
    print(
        f"keeps up with {STREAM:.0f} reports/s on one core: ratio {best / STREAM:.2f} "
        f"(looks at {min(1.0, best / STREAM):.0%} of reports; the rest keep the first stage's "
        "priority)"
    )
    print(
        f"a batch of {args.batch} takes {args.batch / batched:.2f} s "
        f"(p99 target {P99_SECONDS:.0f} s from arrival, ratio {args.batch / batched / P99_SECONDS:.2f})"
    )
    print(
        f"peak resident memory{'' if args.embedder else ' with the first stage'}: "
        f"{peak_mb:,.0f} MB (target under {MEMORY_TARGET_MB:,.0f} MB, "
        f"ratio {peak_mb / MEMORY_TARGET_MB:.2f})"
    )


if __name__ == "__main__":
    main()
