"""What the classifier learns from, and how a fitted model picks its thresholds (pure, no database).

Training examples come from:
- the project's own seed corpus (triage/classifiers/data/seed_corpus.yaml), its written examples
  (written_examples.yaml: reports, messages and requests in six languages, and look-alikes,
  each written by hand from the policy, never from a row of a labelled set) and the policy
  examples in config/taxonomy.yaml;
- the demo generator's labelled reports, so every harm area has examples;
- public sets whose licence allows training a shipped model (``trainable: true`` in
  config/datasets/), their training part only, each row counting its set's ``weight``;
- the team's own decisions on resolved cases (see triage/service.py), their training part only.

Evaluation-only sets (``trainable: false``) are never read here, and no sealed row is learned
from. Thresholds are chosen on scores from four probes, each fitted without the quarter it
scores, cut by group so that the rows of one template (in every language) are never on both
sides of it.
"""

from __future__ import annotations

import hashlib
import itertools
import string
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from watchfloor.triage.classifiers.first_stage import TextClassifier
from watchfloor.triage.evaluation.datasets import (
    Example,
    LabelMapping,
    read_examples,
    row_hash,
    text_key,
)
from watchfloor.triage.taxonomy import Taxonomy

SEED_CORPUS = Path(__file__).with_name("data") / "seed_corpus.yaml"
WRITTEN_EXAMPLES = Path(__file__).with_name("data") / "written_examples.yaml"
# Each written example counts as two rows: they are few, varied and labelled with care (a
# public set's weight in config/datasets/ says the same of its rows).
WRITTEN_WEIGHT = 2.0
DEMO_EXAMPLES = 6000


@cache
def seed_examples() -> tuple[Example, ...]:
    """Every template of the seed corpus filled with every combination of its slots."""
    doc = yaml.safe_load(SEED_CORPUS.read_text(encoding="utf-8"))
    slots: dict[str, list[str]] = doc["slots"]
    out = []
    for block in doc["templates"]:
        areas = frozenset(block["areas"])
        for template in block["texts"]:
            names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
            for values in itertools.product(*(slots[n] for n in names)):
                text = template.format(**dict(zip(names, values, strict=True)))
                out.append(Example(text[0].upper() + text[1:], areas))
    return tuple(out)


@cache
def written_examples() -> tuple[Example, ...]:
    """The written examples (written_examples.yaml), each with its harm areas (none: benign)."""
    doc = yaml.safe_load(WRITTEN_EXAMPLES.read_text(encoding="utf-8"))
    return tuple(
        Example(e["text"], frozenset(e["areas"]), weight=WRITTEN_WEIGHT) for e in doc["examples"]
    )


def policy_examples(taxonomy: Taxonomy) -> list[Example]:
    out = []
    for area in taxonomy.harm_areas:
        target = frozenset({area.id}) - {"unclassified"}
        for policy in area.policies:
            out += [Example(t, target) for t in policy.violating]
            out += [Example(t, frozenset()) for t in policy.non_violating]
    return out


def demo_examples(count: int = DEMO_EXAMPLES) -> list[Example]:
    from watchfloor.sim.demo_reports import generate_labelled_reports

    end = datetime(2026, 1, 2, tzinfo=UTC)
    return [
        Example(
            d.report.text,
            frozenset({d.intended_area}) - {"unclassified"},
            p0=d.p0,
            generated=True,
        )
        for d in generate_labelled_reports(count, start=end - timedelta(days=1), end=end, seed=11)
    ]


def public_sets(
    data_dir: Path | None, mappings: Iterable[LabelMapping]
) -> dict[str, list[Example]]:
    """Every row (training and held-out parts) of each set whose licence allows training a
    shipped model and that is present under ``data_dir``, by the set's name."""
    return {
        m.name: read_examples(data_dir / m.file, m)
        for m in mappings
        if data_dir and m.trainable and m.file and (data_dir / m.file).exists()
    }


def trainable_sets(
    data_dir: Path | None, mappings: Iterable[LabelMapping]
) -> tuple[list[Example], list[str]]:
    """Every row of the sets public_sets reads, in one list; and the names of those sets."""
    sets = public_sets(data_dir, mappings)
    return [e for rows in sets.values() for e in rows], list(sets)


def sources(sets: Mapping[str, Iterable[Example]]) -> dict[str, str]:
    """Each text's set name, so a threshold can be held to a budget on every set's benign rows
    (a text in two sets counts for the last)."""
    return {e.text: name for name, rows in sets.items() for e in rows}


def shipped_examples(
    taxonomy: Taxonomy,
    public: list[Example],
    sealed: Collection[str] = frozenset(),
    *,
    written: bool = True,
) -> list[Example]:
    """What every model learns from: the seed corpus, the written examples, the policy examples
    (three times: they are few and written with care), demo reports and the public sets'
    training part; less any text whose row hash is in ``sealed`` (committed_sealed), whatever
    its source. ``written=False`` leaves the written examples out (to measure what they add)."""
    return without_sealed(
        [
            *seed_examples(),
            *(written_examples() if written else ()),
            *policy_examples(taxonomy) * 3,
            *demo_examples(),
            *(e for e in public if not e.holdout),
        ],
        sealed,
    )


def without_sealed(examples: Iterable[Example], sealed: Collection[str]) -> list[Example]:
    """The examples whose exact text is no sealed row (a seed sentence or a decided report can
    be one by chance: it must not be learned either)."""
    if not sealed:
        return list(examples)
    return [e for e in examples if row_hash(e.text) not in sealed]


def _group(example: Example) -> str:
    return example.group or f"text:{text_key(example.text)}"


def _fold(example: Example) -> int:
    """A stable quarter (0-3) of an example's group: near-duplicates and a template's rows in
    every language share one."""
    return hashlib.blake2b(_group(example).encode(), digest_size=4).digest()[0] % 4


def dev_split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """The training part cut again, by group, into what to fit on and a development fifth to
    compare designs on (never the sealed part: it is not among ``examples``)."""
    fit: list[Example] = []
    dev: list[Example] = []
    for e in examples:
        digest = hashlib.blake2b(f"dev:{_group(e)}".encode(), digest_size=8).digest()
        (dev if int.from_bytes(digest, "big") % 100 < 20 else fit).append(e)
    return fit, dev


# The thresholds a model may be given: low enough that no area is silent, high enough that one
# odd fold cannot make an area flag everything.
GRID = np.round(np.arange(0.2, 0.9501, 0.025), 3)
# The budget criteria (see choose_thresholds): the share of a set's benign rows the model may
# flag, unless that would leave flagged fewer than RECALL_FLOOR of the harmful rows of a set
# that the lowest thresholds flag.
FPR_BUDGET = 0.05
RECALL_FLOOR = 0.9
# A set with fewer benign rows than this holds no budget (one row would be several percent).
MIN_BENIGN = 10
CRITERIA = ("f_half", "macro_f1", "area_budget", "budget")
CRITERION = "f_half"
_DESCRIBED = {
    "budget": f"the lowest thresholds flagging at most {FPR_BUDGET:.0%} of each public set's "
    f"benign rows in any area, keeping {RECALL_FLOOR:.0%} of each set's recall",
    "area_budget": f"each area's lowest threshold flagging at most {FPR_BUDGET:.0%} of each "
    "public set's benign rows",
    "macro_f1": "macro F1",
    "f_half": "F0.5 of each area on real rows (precision weighted over recall)",
}


def tuning_scores(examples: Sequence[Example], areas: Sequence[str]) -> np.ndarray:
    """Every example's raw scores from a probe that never saw its group: the examples are cut
    in four by group (see _fold) and each quarter is scored by a probe fitted on the other
    three, so every set's few look-alikes (a dozen AILuminate advice prompts a quarter) all
    count when thresholds are chosen."""
    folds = [_fold(e) for e in examples]
    raw = np.zeros((len(examples), len(areas)), dtype=np.float32)
    for k in range(4):
        rest = [e for e, f in zip(examples, folds, strict=True) if f != k]
        held = [i for i, f in enumerate(folds) if f == k]
        probe = TextClassifier.fit(
            [e.text for e in rest], [e.areas for e in rest], areas, weights=[e.weight for e in rest]
        )
        raw[held] = probe.raw_scores([examples[i].text for i in held])
    return raw


def choose_thresholds(
    tune: Sequence[Example],
    raw: np.ndarray,
    areas: Sequence[str],
    *,
    sources: Mapping[str, str],
    criterion: str = CRITERION,
    budget: float = FPR_BUDGET,
) -> dict[str, float]:
    """Each area's threshold, from a probe's ``raw`` scores on the ``tune`` examples.

    ``f_half`` (the default) is the threshold with the best F0.5 of "in the area" on real
    rows (demo reports left out unless an area has fewer than three others): precision
    weighs four times as much as recall, because what the first stage flags wrongly (XSTest's
    safe prompts, HateCheck's counter-speech, AILuminate's advice prompts) costs an analyst's
    look on every such report. On the dev split (bench/first_stage_dev.py) it flagged the
    fewest look-alikes of the four criteria here for the same Multilingual HateCheck accuracy;
    the budgets below could not be held without losing most of the harm, since this model
    scores many look-alikes as high as the harm they resemble. ``macro_f1`` is the mean F1 of
    "in the area" and "not in it" (the criterion before it).

    ``budget`` starts every area at the lowest threshold and raises, one step at a time (to
    the next threshold that changes anything), the area whose step takes the most flags off
    benign rows of the sets over their budget for the least recall (harmful rows flagged in
    any area, summed over sets), until every public set flags at most ``budget`` of its
    benign rows in any area, or each step would leave a set under RECALL_FLOOR of the recall
    it has at the lowest thresholds. ``area_budget`` holds each area alone to the budget on
    every set's benign rows (the union of thirteen areas then flags far more).

    Rows of no public set (seed sentences, policy examples, demo reports) are written by the
    project, their siblings among what the probe learned: they hold no budget. With no set
    to hold one (a team's model trained without the public sets), the budget criteria fall
    back to macro F1.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"unknown threshold criterion {criterion!r}; known: {CRITERIA}")
    source = np.array([sources.get(e.text, "") for e in tune])
    benign = np.array([not e.areas for e in tune], dtype=bool)
    names = sorted(set(source.tolist()) - {""})
    pools = [p for n in names if (p := benign & (source == n)).sum() >= MIN_BENIGN]
    harmful = [h for n in names if (h := ~benign & (source == n)).sum() >= 3]
    if criterion == "budget" and pools:
        return _joint_budget(raw, areas, pools, harmful, budget)
    thresholds = {}
    real = np.array([not e.generated for e in tune], dtype=bool)
    for j, area in enumerate(areas):
        score = raw[:, j]
        truth = np.array([area in e.areas for e in tune], dtype=bool)
        if criterion == "area_budget" and pools:
            thresholds[area] = _lowest_within_budget(score, pools, budget)
        else:
            rows = real if truth[real].sum() >= 3 else np.ones_like(real)
            beta = 0.5 if criterion == "f_half" else 1.0
            kind = "f_half" if criterion == "f_half" else "macro_f1"
            thresholds[area] = _best_threshold(score[rows], truth[rows], beta, kind)
    return thresholds


def _joint_budget(
    raw: np.ndarray,
    areas: Sequence[str],
    pools: list[np.ndarray],
    harmful: list[np.ndarray],
    budget: float,
) -> dict[str, float]:
    level = np.zeros(len(areas), dtype=int)
    flags = raw >= GRID[0]
    count = flags.sum(axis=1)  # areas flagging each row
    sizes_p = np.array([p.sum() for p in pools], dtype=float)
    sizes_h = np.array([h.sum() for h in harmful], dtype=float)
    floor = RECALL_FLOOR * np.array([(count[h] > 0).sum() for h in harmful]) / sizes_h
    while True:
        over = [k for k, p in enumerate(pools) if (count[p] > 0).sum() / sizes_p[k] > budget]
        if not over:
            break
        recall = np.array([(count[h] > 0).sum() for h in harmful]) / sizes_h
        best: tuple[float, int, int] | None = None
        for j in range(len(areas)):
            # The next step of this area that takes a flag off a set over its budget.
            step, gain = level[j], 0.0
            while gain <= 0 and step + 1 < len(GRID):
                step += 1
                off = flags[:, j] & (raw[:, j] < GRID[step])
                gain = sum(off[pools[k]].sum() / sizes_p[k] for k in over)
            if gain <= 0:
                continue
            lost = off & (count == 1)  # rows this step leaves flagged in no area
            after = recall - np.array([lost[h].sum() for h in harmful]) / sizes_h
            if np.any(after < floor):
                continue
            ratio = gain / (float((recall - after).sum()) + 1e-9)
            if best is None or ratio > best[0]:
                best = (ratio, j, step)
        if best is None:
            break
        _, j, level[j] = best
        off = flags[:, j] & (raw[:, j] < GRID[level[j]])
        flags[:, j] &= ~off
        count -= off
    return {a: float(GRID[level[j]]) for j, a in enumerate(areas)}


def _lowest_within_budget(score: np.ndarray, pools: list[np.ndarray], budget: float) -> float:
    for t in GRID:
        if all(float((score[rows] >= t).mean()) <= budget for rows in pools):
            return float(t)
    return float(GRID[-1])


def fit_with_thresholds(
    examples: Sequence[Example],
    areas: Sequence[str],
    info: dict[str, object],
    *,
    sources: Mapping[str, str],
    criterion: str = CRITERION,
) -> TextClassifier:
    """Choose each area's threshold on scores from probes that never saw the row's group
    (tuning_scores, choose_thresholds), then fit on everything. ``sources`` names each public
    text's set (see sources())."""
    raw = tuning_scores(examples, areas)
    thresholds = choose_thresholds(examples, raw, areas, sources=sources, criterion=criterion)
    model = TextClassifier.fit(
        [e.text for e in examples],
        [e.areas for e in examples],
        areas,
        weights=[e.weight for e in examples],
    )
    model.thresholds = thresholds
    model.info = {
        **info,
        "examples": len(examples),
        "thresholds_from": f"{_DESCRIBED[criterion]}, on scores of four probes each fitted "
        "without the quarter it scores (by group)",
    }
    return model


def _best_threshold(score: np.ndarray, truth: np.ndarray, beta: float, criterion: str) -> float:
    """The threshold with the best macro F1 (the mean of the F1 of "in the area" and of "not in
    it": plain F1 rewards flagging everything where most rows are positive), or the best
    F-beta of "in the area"."""
    if truth.sum() < 3:
        return 0.5
    best, chosen = -1.0, 0.5
    for t in GRID:
        got = score >= t
        hit = float((got & truth).sum())
        b2 = beta * beta
        positive = (1 + b2) * hit / max(float(b2 * truth.sum() + got.sum()), 1.0)
        if criterion == "macro_f1":
            negative = 2 * float((~got & ~truth).sum()) / float((~got).sum() + (~truth).sum())
            value = (positive + negative) / 2
        else:
            value = positive
        if value > best:
            best, chosen = value, float(t)
    return chosen
