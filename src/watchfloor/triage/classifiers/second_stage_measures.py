"""Measurements of the second stage, apart from building it: the first stage's design on the same
dev rows (what the second stage adds), the embedders against each other, cross-lingual transfer,
and the shipped model on every set's sealed part (to report, never to tune).

Reached through ``watchfloor triage second-stage``: ``--compare``,
a build (which fits the first stage's design for the blend) or ``--evaluate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from watchfloor.triage.classifiers.second_stage import Embedder, SecondStage
from watchfloor.triage.classifiers.second_stage_training import (
    C,
    Row,
    choose_thresholds,
    dev_table,
    embed_cached,
    fit_heads,
    probabilities,
    text_key,
)
from watchfloor.triage.evaluation.datasets import read_examples
from watchfloor.triage.taxonomy import Priority


def first_stage_dev_scores(
    rows: Sequence[Row], fit: np.ndarray, tune: np.ndarray, areas: Sequence[str]
) -> np.ndarray:
    """The first stage's design (TF-IDF heads, classifier.TextClassifier) fitted on the rows
    ``fit``, and its (rows, areas) scores on the rows ``tune``: what the first stage would say
    of the dev rows had it learned from the same rows as the second stage."""
    from watchfloor.triage.classifiers.first_stage import TextClassifier

    idx = np.flatnonzero(fit)
    first = TextClassifier.fit(
        [rows[int(i)].example.text for i in idx],
        [rows[int(i)].example.areas for i in idx],
        areas,
        weights=[rows[int(i)].example.weight for i in idx],
    )
    scores: np.ndarray = first.raw_scores([rows[int(i)].example.text for i in np.flatnonzero(tune)])
    return scores


def language_table(
    rows: Sequence[Row],
    tune: np.ndarray,
    alone: tuple[np.ndarray, dict[str, float]],
    blended: tuple[np.ndarray, dict[str, float]],
    areas: Sequence[str],
) -> str:
    """Per language of the dev rows that have one (Multilingual HateCheck's), the accuracy of
    "flagged in any area" when the second look decides on the second stage alone and when it
    decides on the blend, each at the thresholds the build chose for it."""
    dev = [rows[int(i)] for i in np.flatnonzero(tune)]
    harmful = np.array([bool(r.example.areas) for r in dev])
    got = []
    for scores, thresholds in (alone, blended):
        limits = np.array([thresholds[a] for a in areas])
        got.append(np.asarray((scores >= limits).any(axis=1), dtype=bool))
    lines = ["dev rows by language, accuracy (any area): second stage alone / blend"]
    for language in sorted({r.language for r in dev if r.language}):
        idx = [i for i, r in enumerate(dev) if r.language == language]
        cells = [float((g[idx] == harmful[idx]).mean()) for g in got]
        lines.append(f"  {language:<12} {len(idx):>5}  {cells[0]:.3f} / {cells[1]:.3f}")
    return "\n".join(lines)


def compare(
    rows: Sequence[Row],
    areas: Sequence[str],
    makers: dict[str, Callable[[], Embedder]],
    cache_dir: Path | None,
    limit: int,
) -> None:
    """Per-area dev figures of each embedder on the same rows, and cross-lingual transfer."""
    # The same deterministic subsample for every embedder: the slow one sets the budget.
    ranked = sorted(rows, key=lambda r: text_key(f"{r.source}:{r.example.text}"))
    chosen = [r for r in ranked if r.source != "demo"][:limit]
    fit = [r for r in chosen if not r.dev]
    dev = [r for r in chosen if r.dev]
    print(f"subsample: {len(fit)} fitting rows, {len(dev)} dev rows (no demo reports)")
    for name, make in makers.items():
        embedder = make()
        start = time.perf_counter()
        x_fit = embed_cached(embedder, [r.example.text for r in fit], cache_dir)
        x_dev = embed_cached(embedder, [r.example.text for r in dev], cache_dir)
        print(f"{name}: embedded in {time.perf_counter() - start:.0f} s")
        labels = [r.example.areas for r in fit]
        weights = np.array([r.example.weight for r in fit])
        coef, intercept = fit_heads(x_fit, labels, areas, weights)
        p = probabilities(x_dev, coef, intercept)
        dev_labels = [r.example.areas for r in dev]
        thresholds = choose_thresholds(p, dev_labels, areas)
        table, _, _ = dev_table(p, dev_labels, areas, thresholds)
        print(f"{name}: dev split, thresholds at the best F1 (optimistic for both alike)\n{table}")
        _cross_lingual(name, fit, dev, x_fit, x_dev)


def _cross_lingual(
    name: str, fit: Sequence[Row], dev: Sequence[Row], x_fit: np.ndarray, x_dev: np.ndarray
) -> None:
    """Hate heads fitted without any non-English row, scored on each language's dev rows; the
    first stage's design (TF-IDF) fitted on the same English rows beside them. This stands for
    every harm area but hate, which has no training row in another language: it shows how the
    second look should decide on a report in another language (blend or second stage alone)."""
    from watchfloor.triage.classifiers.first_stage import TextClassifier

    english = np.array([r.language is None for r in fit])
    y = np.array(["hate" in r.example.areas for r in fit])
    all_head = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x_fit, y)
    en_head = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    en_head.fit(x_fit[english], y[english])
    en_rows = [r for r in fit if r.language is None]
    tfidf = TextClassifier.fit(
        [r.example.text for r in en_rows], [r.example.areas & {"hate"} for r in en_rows], ["hate"]
    )
    en_dev = [i for i, r in enumerate(dev) if r.language is None]
    alone_en = en_head.predict_proba(x_dev[en_dev])[:, 1]
    blend_en = (alone_en + tfidf.raw_scores([dev[i].example.text for i in en_dev])[:, 0]) / 2
    en_labels = [dev[i].example.areas & {"hate"} for i in en_dev]
    # Each decision's threshold chosen on English dev rows only, as a build would have to.
    at_alone = choose_thresholds(alone_en[:, None], en_labels, ["hate"])["hate"]
    at_blend = choose_thresholds(blend_en[:, None], en_labels, ["hate"])["hate"]
    print(f"{name}: hate on Multilingual HateCheck dev rows, AUPRC / accuracy at 0.5")
    print(
        f"  {'language':<12} {'rows':>5} {'english-only heads':>20} {'all rows heads':>16} "
        f"{'english-only TF-IDF':>20}   recall / benign flagged: alone >= {at_alone:.2f}, "
        f"blend >= {at_blend:.2f}"
    )
    languages = sorted({r.language for r in dev if r.language})
    for language in languages:
        idx = [i for i, r in enumerate(dev) if r.language == language]
        truth = np.array(["hate" in dev[i].example.areas for i in idx])
        alone = en_head.predict_proba(x_dev[idx])[:, 1]
        first = tfidf.raw_scores([dev[i].example.text for i in idx])[:, 0]
        cells = []
        for score in (alone, all_head.predict_proba(x_dev[idx])[:, 1], first):
            auprc = average_precision_score(truth, score) if 0 < truth.sum() < len(truth) else 0
            cells.append(f"{auprc:.3f} / {float(((score >= 0.5) == truth).mean()):.3f}")
        decided = []
        for got in (alone >= at_alone, (alone + first) / 2 >= at_blend):
            recall = float(got[truth].mean()) if truth.any() else 0.0
            flagged = float(got[~truth].mean()) if (~truth).any() else 0.0
            decided.append(f"{recall:.2f} / {flagged:.2f}")
        print(
            f"  {language:<12} {len(idx):>5} {cells[0]:>20} {cells[1]:>16} {cells[2]:>20}   "
            f"alone {decided[0]}, blend {decided[1]}"
        )


EVAL_SETS = (
    "hatecheck/normalized.jsonl",
    "multilingual_hatecheck/normalized.jsonl",
    "xstest/normalized.jsonl",
    "davidson_hate_offensive/normalized.jsonl",
    "toxigen/normalized.jsonl",
    "ailuminate_en/normalized.jsonl",
    "sms_spam_collection/normalized.jsonl",
    "smishing_mishra_soni/normalized.jsonl",
    "do_not_answer/normalized.jsonl",
    "toxicchat_train/normalized_train.jsonl",
)


def evaluate_sealed(
    model: SecondStage, data_dir: Path, config_dir: Path, areas: list[str], detail: bool
) -> None:
    """Report (never tune): each set's sealed part scored by the second stage alone, and by the
    cascade as it runs: the first stage places every report, and the second look reads the ones
    worth a look and raises those the blend places more urgently (second_look.place_blended)."""
    from watchfloor.runtime import load_config
    from watchfloor.settings import Settings
    from watchfloor.triage.classifiers.language import detect_language, triage_language
    from watchfloor.triage.evaluation.datasets import find_mapping
    from watchfloor.triage.evaluation.report import evaluate, render, render_summary
    from watchfloor.triage.rules.engine import TriageInput
    from watchfloor.triage.second_look.decision import (
        FirstStage,
        blend,
        judge,
        place_blended,
        worth_a_look,
    )
    from watchfloor.triage.second_look.flows import first_stage_thresholds

    config = load_config(Settings(environment="test"))
    engine = config.triager
    severities = {a.id: a.default_priority for a in config.taxonomy.harm_areas}
    first_thresholds = first_stage_thresholds(engine)
    alone, first_alone, cascade = [], [], []
    for name in EVAL_SETS:
        path = data_dir / name
        if not path.exists():
            continue
        mapping = find_mapping(path, None, config_dir / "datasets", areas)
        examples = [e for e in read_examples(path, mapping) if e.holdout]
        texts = [e.text for e in examples]
        start = time.perf_counter()
        second = model.scores(texts)
        seconds = time.perf_counter() - start
        flagged = [set(model.flagged(s)) for s in second]
        report = evaluate(examples, flagged, second, [False] * len(examples), seconds)
        alone.append((mapping.name, report))
        placed, ranked, p0 = [], [], []
        first_placed, first_scores, first_p0 = [], [], []
        read = raised = 0
        # As intake: the detected language is stored, and triage reads a trusted detection.
        detected = [detect_language(t) for t in texts]
        inputs = [
            TriageInput(t, language=triage_language(None, d))
            for t, d in zip(texts, detected, strict=True)
        ]
        results = engine.triage_many(inputs)
        for d, r, s in zip(detected, results, second, strict=True):
            first = FirstStage(
                harm_area=r.harm_area,
                priority=r.priority,
                area_scores={a: v for a, v in r.area_scores.items() if v >= 0.05},
                flags=tuple(r.flags),
                language=d.code if d and d.trusted else None,  # as the second look reads it
            )
            areas_now = set(r.harm_areas) - {"unclassified"}
            priority = r.priority
            first_placed.append(set(areas_now))
            first_scores.append(dict(r.area_scores))
            first_p0.append(priority == Priority.P0)
            why = worth_a_look(first, thresholds=first_thresholds, severities=severities)
            if why is not None:
                read += 1
                placement = place_blended(
                    first,
                    s,
                    blend_thresholds=model.blend_thresholds,
                    second_thresholds=model.thresholds,
                    severities=severities,
                    multilingual_areas=model.multilingual_areas,
                )
                verdict = judge(first, placement, model=model.name)
                if verdict.outcome == "more_urgent" and verdict.placement is not None:
                    raised += 1
                    areas_now.add(verdict.placement.area)
                    priority = min(priority, verdict.placement.priority)
            placed.append(areas_now)
            ranked.append(blend(first, s))
            p0.append(priority == Priority.P0)
        cascade.append((mapping.name, evaluate(examples, placed, ranked, p0, seconds)))
        first_alone.append(
            (mapping.name, evaluate(examples, first_placed, first_scores, first_p0, seconds))
        )
        print(
            f"{mapping.name}: the second look reads {read} of {len(texts)} sealed rows and "
            f"raises {raised}",
            flush=True,
        )
        if detail:
            print(render(f"{mapping.name}: second stage alone, sealed part", report), flush=True)
    print("FIRST STAGE ALONE (intake, as the cascade starts from it), sealed parts")
    print(render_summary(first_alone))
    print("\nSECOND STAGE ALONE, sealed parts")
    print(render_summary(alone))
    print(
        "\nTHE CASCADE (first stage, then the second look on the blend for the reports it reads; "
        "scores ranked: the blend), sealed parts"
    )
    print(render_summary(cascade))
    if detail:
        for name, report in cascade:
            if name in ("multilingual_hatecheck", "ailuminate_en"):
                print(render(f"{name}: the cascade, sealed part", report))
