"""What the classifier learns from, and how a fitted model picks its thresholds (pure, no database).

Training examples come from:
- the project's own seed corpus (triage/data/seed_corpus.yaml) and the policy examples in
  config/taxonomy.yaml;
- the demo generator's labelled reports, so every harm area has examples;
- public sets whose licence allows training a shipped model (``trainable: true`` in
  config/datasets/), their training part only, each row counting its set's ``weight``;
- the team's own decisions on resolved cases (see triage/service.py), their training part only.

Evaluation-only sets (``trainable: false``) are never read here, and no sealed row is learned
from. Thresholds are chosen on a quarter held back by group, so the rows of one template (in
every language) are never on both sides of it.
"""

from __future__ import annotations

import hashlib
import itertools
import string
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from watchfloor.triage.classifier import TextClassifier
from watchfloor.triage.datasets import Example, LabelMapping, read_examples, row_hash, text_key
from watchfloor.triage.taxonomy import Taxonomy

SEED_CORPUS = Path(__file__).with_name("data") / "seed_corpus.yaml"
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


def trainable_sets(
    data_dir: Path | None, mappings: Iterable[LabelMapping]
) -> tuple[list[Example], list[str]]:
    """Every row (training and held-out parts) of the sets whose licence allows training a
    shipped model and that are present under ``data_dir``; and the names of those sets."""
    rows: list[Example] = []
    names: list[str] = []
    for m in mappings:
        if data_dir and m.trainable and m.file and (data_dir / m.file).exists():
            rows += read_examples(data_dir / m.file, m)
            names.append(m.name)
    return rows, names


def shipped_examples(
    taxonomy: Taxonomy, public: list[Example], sealed: Collection[str] = frozenset()
) -> list[Example]:
    """What every model learns from: the seed corpus, the policy examples (three times: they
    are few and written with care), demo reports and the public sets' training part; less any
    text whose row hash is in ``sealed`` (committed_sealed), whatever its source."""
    return without_sealed(
        [
            *seed_examples(),
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


def fit_with_thresholds(
    examples: Sequence[Example],
    areas: Sequence[str],
    info: dict[str, object],
) -> TextClassifier:
    """Fit on three quarters, choose each area's threshold on the last quarter, refit on all.

    The quarters are cut by group (see _fold), so a threshold is chosen on templates the probe
    model never saw, and on real text: the demo generator's reports are left out of the
    choice (the probe learned their siblings) unless an area has fewer than three other
    examples there. The threshold is the one with the best macro F1 (the mean of the F1 of
    "in the area" and of "not in it"): plain F1 rewards flagging everything where most rows
    are positive (Multilingual HateCheck is 70 % hateful), macro F1 counts the benign rows too.
    It is kept between 0.2 and 0.9 so one odd quarter cannot make an area silent or shout.
    """
    texts = [e.text for e in examples]
    labels = [e.areas for e in examples]
    weights = [e.weight for e in examples]
    fold = np.array([_fold(e) == 0 for e in examples])
    fit_idx, tune_idx = np.flatnonzero(~fold), np.flatnonzero(fold)
    probe = TextClassifier.fit(
        [texts[i] for i in fit_idx],
        [labels[i] for i in fit_idx],
        areas,
        weights=[weights[i] for i in fit_idx],
    )
    raw = probe.raw_scores([texts[i] for i in tune_idx])
    real = np.array([not examples[int(i)].generated for i in tune_idx])
    thresholds = {}
    for j, area in enumerate(areas):
        truth = np.array([area in labels[i] for i in tune_idx])
        rows = real if truth[real].sum() >= 3 else np.ones_like(real)
        thresholds[area] = _best_threshold(raw[rows, j], truth[rows])
    model = TextClassifier.fit(texts, labels, areas, weights=weights)
    model.thresholds = thresholds
    model.info = {
        **info,
        "examples": len(examples),
        "thresholds_from": "macro F1 on a quarter held back by group, demo reports left out",
    }
    return model


def _best_threshold(score: np.ndarray, truth: np.ndarray) -> float:
    if truth.sum() < 3:
        return 0.5
    best, chosen = -1.0, 0.5
    for t in np.linspace(0.2, 0.9, 29):
        got = score >= t
        positive = 2 * float((got & truth).sum()) / float(got.sum() + truth.sum())
        negative = 2 * float((~got & ~truth).sum()) / float((~got).sum() + (~truth).sum())
        if (positive + negative) / 2 > best:
            best, chosen = (positive + negative) / 2, float(t)
    return chosen
