"""The first-stage classifier's design figures on the dev split: a fifth of the TRAINING part of
every trainable set, cut by template group (learning.dev_split), never the sealed part.

Run: .venv/bin/python bench/first_stage_dev.py [--data-dir ../shared/data] [--cache FILE]
[--without-written]

It fits the shipped design (learning.shipped_examples, each set's weight) on everything but
the dev fifth, as ``make model`` does: four probes, each fitted on three quarters of it (by
group), score the quarter they left out; each threshold criterion (learning.CRITERIA) chooses
thresholds on those scores; and a model fitted on all of it scores the dev fifth. It prints
threshold-free figures per set (AUPRC of "any harm area" and of each area the set labels,
Multilingual HateCheck's hate AUPRC per language, ToxicChat's: evaluation only, its unsealed
rows are scored, never trained on), then for each criterion its thresholds and, per set's dev
rows, the recall (harmful rows flagged in any area), the right-area share, and the benign FPR
(benign rows flagged in any area). The benign rows of xstest, hatecheck,
multilingual_hatecheck and ailuminate_en (its spc_* prompts) are the look-alikes. Demo
reports train but are never scored. Five fits (about three minutes of one core, six on a
busy machine); --cache keeps the scores so a second run only re-chooses thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from watchfloor.triage.classifiers.first_stage import TextClassifier  # noqa: E402
from watchfloor.triage.classifiers.learning import (  # noqa: E402
    CRITERIA,
    choose_thresholds,
    dev_split,
    shipped_examples,
    sources,
    tuning_scores,
)
from watchfloor.triage.evaluation.datasets import (  # noqa: E402
    Example,
    committed_sealed,
    mappings_in,
    read_examples,
)
from watchfloor.triage.taxonomy import load_taxonomy  # noqa: E402

LOOK_ALIKES = {"xstest", "hatecheck", "multilingual_hatecheck", "ailuminate_en"}


def auprc(truth: list[bool], score: np.ndarray) -> float | None:
    return float(average_precision_score(truth, score)) if 0 < sum(truth) < len(truth) else None


def _digest(texts: list[str]) -> str:
    return hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, help="an .npz to keep both models' scores in")
    parser.add_argument(
        "--without-written",
        action="store_true",
        help="leave out the written examples (learning.written_examples), to see what they add",
    )
    args = parser.parse_args()
    taxonomy = load_taxonomy(ROOT / "config")
    areas = taxonomy.area_ids
    mappings = list(mappings_in(ROOT / "config" / "datasets", areas))
    sealed = committed_sealed(mappings)
    dev: dict[str, list[Example]] = {}
    fit_sets: dict[str, list[Example]] = {}
    scored_only: dict[str, list[Example]] = {}
    for m in mappings:
        if not (m.file and (args.data_dir / m.file).exists()):
            continue
        rows = [e for e in read_examples(args.data_dir / m.file, m) if not e.holdout]
        if m.trainable:
            fit_sets[m.name], dev[m.name] = dev_split(rows)
        elif m.name == "toxicchat":
            scored_only[m.name] = rows
    public = [e for rows in fit_sets.values() for e in rows]
    training = shipped_examples(taxonomy, public, sealed, written=not args.without_written)
    named = {**dev, **scored_only}
    scored = [e.text for rows in named.values() for e in rows]
    key = _digest([e.text for e in training] + scored)
    cached = np.load(args.cache) if args.cache and args.cache.exists() else None
    if cached is not None and str(cached["key"]) == key:
        tune_raw, dev_raw = cached["tune_raw"], cached["dev_raw"]
        tune = training
        print(f"scores from {args.cache}")
    else:
        start = time.perf_counter()
        tune, tune_raw = training, tuning_scores(training, areas)
        model = TextClassifier.fit(
            [e.text for e in training],
            [e.areas for e in training],
            areas,
            weights=[e.weight for e in training],
        )
        dev_raw = model.raw_scores(scored)
        print(
            f"fitted five times on {len(training)} examples in {time.perf_counter() - start:.0f} s"
        )
        if args.cache:
            np.savez(args.cache, key=key, tune_raw=tune_raw, dev_raw=dev_raw)
    harm_areas = [a for a in areas if a != "unclassified"]
    columns = [areas.index(a) for a in harm_areas]
    offsets, at = {}, 0
    for name, rows in named.items():
        offsets[name] = (at, at + len(rows))
        at += len(rows)

    print("\nthreshold-free (AUPRC)")
    for name, rows in named.items():
        raw = dev_raw[slice(*offsets[name])]
        harm = [bool(e.areas) for e in rows]
        figures = {"any": auprc(harm, raw[:, columns].max(axis=1))}
        for area in harm_areas:
            truth = [area in e.areas for e in rows]
            if sum(truth) >= 3:
                figures[area] = auprc(truth, raw[:, areas.index(area)])
        if name == "multilingual_hatecheck":
            for language in sorted({e.breakdown or "" for e in rows}):
                pick = np.array([e.breakdown == language for e in rows])
                hate = raw[:, areas.index("hate")]
                figures[language] = auprc(list(np.array(harm)[pick]), hate[pick])
        shown = " ".join(f"{k}={v:.3f}" for k, v in figures.items() if v is not None)
        print(f"{name:<24} {len(rows):>6} dev rows  {shown}")

    known = sources({**fit_sets})
    for criterion in CRITERIA:
        thresholds = choose_thresholds(tune, tune_raw, areas, sources=known, criterion=criterion)
        limit = np.array([thresholds[a] for a in harm_areas])
        print(f"\n{criterion}: " + " ".join(f"{a}={thresholds[a]:.3f}" for a in harm_areas))
        print(f"  {'set':<24} {'harmful':>7} {'recall':>7} {'right':>7} {'benign':>7} {'FPR':>7}")
        for name, rows in named.items():
            raw = dev_raw[slice(*offsets[name])]
            flagged = raw[:, columns] >= limit
            harm = np.array([bool(e.areas) for e in rows])
            right = np.array(
                [
                    any(flagged[i, k] for k, a in enumerate(harm_areas) if a in e.areas)
                    for i, e in enumerate(rows)
                ]
            )
            anyflag = flagged.any(axis=1)
            recall = anyflag[harm].mean() if harm.any() else float("nan")
            fpr = anyflag[~harm].mean() if (~harm).any() else float("nan")
            mark = " (look-alikes)" if name in LOOK_ALIKES else ""
            print(
                f"  {name:<24} {harm.sum():>7} {recall:>7.3f} {right[harm].mean() if harm.any() else float('nan'):>7.3f}"
                f" {(~harm).sum():>7} {fpr:>7.3f}{mark}"
            )
            if name == "multilingual_hatecheck":
                hate = flagged[:, harm_areas.index("hate")]
                accuracy = {
                    lang: float((hate == harm)[[e.breakdown == lang for e in rows]].mean())
                    for lang in sorted({e.breakdown or "" for e in rows})
                }
                print(
                    "    hate accuracy by language: "
                    + " ".join(f"{k}={v:.2f}" for k, v in accuracy.items())
                )
            if name == "ailuminate_en":
                print(f"    placed {anyflag[harm].mean():.3f}, spc_* flagged {fpr:.3f}")


if __name__ == "__main__":
    main()
