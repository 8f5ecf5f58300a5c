"""The first-stage classifier's design figures on the dev split: a fifth of the TRAINING part of
every trainable set, cut by template group (learning.dev_split), never the sealed part.

Run: .venv/bin/python bench/first_stage_dev.py [--data-dir ../shared/data]

It fits the shipped design (learning.shipped_examples, each set's weight) on everything but
the dev fifth, then prints threshold-free figures per set: AUPRC of "any harm area" and of each
area the set labels, Multilingual HateCheck's hate AUPRC per language, and ToxicChat's
(evaluation only: its unsealed rows are scored, never trained on). Demo reports train but are
never scored. Compare a design change by running this before and after it (about two minutes
of one core).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from watchfloor.triage.classifier import TextClassifier  # noqa: E402
from watchfloor.triage.datasets import (  # noqa: E402
    Example,
    committed_sealed,
    mappings_in,
    read_examples,
)
from watchfloor.triage.learning import dev_split, shipped_examples  # noqa: E402
from watchfloor.triage.taxonomy import load_taxonomy  # noqa: E402


def auprc(truth: list[bool], score: np.ndarray) -> float | None:
    return float(average_precision_score(truth, score)) if 0 < sum(truth) < len(truth) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    taxonomy = load_taxonomy(ROOT / "config")
    mappings = list(mappings_in(ROOT / "config" / "datasets", taxonomy.area_ids))
    sealed = committed_sealed(mappings)
    dev: dict[str, list[Example]] = {}
    public: list[Example] = []
    scored_only: dict[str, list[Example]] = {}
    for m in mappings:
        if not (m.file and (args.data_dir / m.file).exists()):
            continue
        rows = [e for e in read_examples(args.data_dir / m.file, m) if not e.holdout]
        if m.trainable:
            fit, dev[m.name] = dev_split(rows)
            public += fit
        elif m.name == "toxicchat":
            scored_only[m.name] = rows
    training = shipped_examples(taxonomy, public, sealed)
    start = time.perf_counter()
    model = TextClassifier.fit(
        [e.text for e in training],
        [e.areas for e in training],
        taxonomy.area_ids,
        weights=[e.weight for e in training],
    )
    print(f"fitted on {len(training)} examples in {time.perf_counter() - start:.0f} s")
    areas = [a for a in model.areas if a != "unclassified"]
    for name, rows in {**dev, **scored_only}.items():
        raw = model.raw_scores([e.text for e in rows])
        columns = {a: raw[:, model.areas.index(a)] for a in areas}
        harm = [bool(e.areas) for e in rows]
        figures = {"any": auprc(harm, np.max(np.vstack(list(columns.values())), axis=0))}
        for area in areas:
            truth = [area in e.areas for e in rows]
            if sum(truth) >= 3:
                figures[area] = auprc(truth, columns[area])
        if name == "multilingual_hatecheck":
            for language in sorted({e.breakdown or "" for e in rows}):
                pick = np.array([e.breakdown == language for e in rows])
                figures[language] = auprc(list(np.array(harm)[pick]), columns["hate"][pick])
        shown = " ".join(f"{k}={v:.3f}" for k, v in figures.items() if v is not None)
        print(f"{name:<24} {len(rows):>6} dev rows  {shown}")


if __name__ == "__main__":
    main()
