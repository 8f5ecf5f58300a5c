"""What the shipped classifier learns from (#20 item 2): the training part of every set whose
licence allows it, never a sealed row, never an evaluation-only set.

The tests that read ../shared/data skip without it (CI has it). They never print a row: a
failure names sets and counts only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import orjson
import pytest

from watchfloor.triage.classifiers.learning import (
    FPR_BUDGET,
    RECALL_FLOOR,
    choose_thresholds,
    dev_split,
    shipped_examples,
    sources,
    trainable_sets,
    without_sealed,
    written_examples,
)
from watchfloor.triage.evaluation.datasets import (
    Example,
    LabelMapping,
    committed_sealed,
    load_mapping,
    mappings_in,
    read_examples,
    row_hash,
)
from watchfloor.triage.taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"
DATA = next(
    (
        p
        for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
        if (p / "README.md").exists()
    ),
    None,
)
EVALUATION_ONLY = {"do_not_answer", "toxicchat", "smishing"}
needs_data = pytest.mark.skipif(
    DATA is None and not os.environ.get("CI"), reason="no ../shared/data beside the repo"
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(CONFIG)


@pytest.fixture(scope="module")
def mappings(taxonomy: Taxonomy) -> list[LabelMapping]:
    return list(mappings_in(CONFIG / "datasets", taxonomy.area_ids))


@pytest.fixture(scope="module")
def learned(
    taxonomy: Taxonomy, mappings: list[LabelMapping]
) -> tuple[list[Example], list[str], list[Example]]:
    """The public rows read for training, the sets they came from, and what the shipped model
    learns from (as ``make model`` builds it)."""
    assert DATA is not None, "CI needs ../shared/data beside the repo"
    public, names = trainable_sets(DATA, mappings)
    return public, names, shipped_examples(taxonomy, public, committed_sealed(mappings))


def test_the_licences_decide_which_sets_are_trainable(mappings: list[LabelMapping]) -> None:
    trainable = {m.name for m in mappings if m.trainable}
    assert {
        "ailuminate_en",
        "toxigen",
        "multilingual_hatecheck",
        "hatecheck",
        "xstest",
        "davidson",
        "sms_spam",
    } <= trainable
    assert not trainable & EVALUATION_ONLY


@needs_data
def test_every_trainable_sets_training_part_is_learned_from(
    mappings: list[LabelMapping], learned: tuple[list[Example], list[str], list[Example]]
) -> None:
    public, names, training = learned
    present = [m for m in mappings if m.file and DATA and (DATA / m.file).exists()]
    assert set(names) == {m.name for m in present if m.trainable}
    texts = {e.text for e in training}
    for m in present:
        if not m.trainable:
            continue
        assert DATA is not None
        rows = read_examples(DATA / m.file, m)  # type: ignore[operator]
        part = [e for e in rows if not e.holdout]
        assert len(part) > 0.7 * len(rows), m.name  # about four fifths: the seal keeps a fifth
        missing = sum(e.text not in texts for e in part)
        assert missing == 0, f"{m.name}: {missing} rows of its training part are not learned"
    # Multilingual HateCheck is learned in all ten of its languages.
    languages = {
        e.breakdown for e in public if not e.holdout and e.group and "template:" in e.group
    }
    assert len(languages) >= 10


@needs_data
def test_no_sealed_row_reaches_training(
    mappings: list[LabelMapping], learned: tuple[list[Example], list[str], list[Example]]
) -> None:
    _, _, training = learned
    sealed = committed_sealed(mappings)
    assert len(sealed) > 10_000  # every set's committed list was read
    leaked = sum(row_hash(e.text) in sealed for e in training)
    assert leaked == 0, f"{leaked} training examples are sealed rows"


def test_the_written_examples_are_labelled_with_known_areas_and_none_is_a_sealed_row(
    taxonomy: Taxonomy, mappings: list[LabelMapping]
) -> None:
    written = written_examples()
    known = set(taxonomy.area_ids) - {"unclassified"}
    assert all(e.text.strip() and e.areas <= known for e in written)
    folded = [" ".join(e.text.casefold().split()) for e in written]
    assert len(set(folded)) == len(folded), "a written example is there twice"
    # Every area the taxonomy places reports in has examples; a third or more are look-alikes.
    harmful = {a for e in written for a in e.areas}
    assert known - harmful <= {"spam_manipulation"}, known - harmful
    assert sum(not e.areas for e in written) >= len(written) / 3
    # Checked against the committed sealed lists (no data needed): none is an evaluation row.
    sealed = committed_sealed(mappings)
    assert [e.text for e in written if row_hash(e.text) in sealed] == []
    # They are learned from, at their weight.
    assert {e.weight for e in written} == {2.0}
    learned = shipped_examples(taxonomy, [], sealed)
    assert sum(e.text in {w.text for w in written} for e in learned) == len(written)
    without = shipped_examples(taxonomy, [], sealed, written=False)
    assert len(learned) - len(without) == len(written)


@needs_data
def test_evaluation_only_sets_are_never_read_for_training(
    mappings: list[LabelMapping], learned: tuple[list[Example], list[str], list[Example]]
) -> None:
    public, names, _ = learned
    assert not set(names) & EVALUATION_ONLY
    assert DATA is not None
    expected = sum(
        len(read_examples(DATA / m.file, m))
        for m in mappings
        if m.trainable and m.file and (DATA / m.file).exists()
    )
    assert len(public) == expected


def write_set(directory: Path, name: str, trainable: bool, texts: list[str]) -> LabelMapping:
    (directory / "data").mkdir(exist_ok=True)
    (directory / "data" / f"{name}.jsonl").write_bytes(
        b"\n".join(orjson.dumps({"text": t, "label": "bad"}) for t in texts)
    )
    (directory / "sealed").mkdir(exist_ok=True)
    yaml_path = directory / f"{name}.yaml"
    yaml_path.write_text(
        f"name: {name}\nfile: {name}.jsonl\ntrainable: {str(trainable).lower()}\n"
        "areas: {bad: [harassment]}\n"
    )
    return load_mapping(yaml_path, ["harassment", "unclassified"])


def test_a_set_not_marked_trainable_is_never_read(tmp_path: Path) -> None:
    texts = [f"you are a worthless loser number {n} and everyone knows it" for n in range(50)]
    allowed = write_set(tmp_path, "allowed", True, texts)
    not_allowed = write_set(tmp_path, "noncommercial", False, [t.upper() for t in texts])
    rows, names = trainable_sets(tmp_path / "data", [allowed, not_allowed])
    assert names == ["allowed"]
    assert {e.text for e in rows} == set(texts)


def test_a_text_in_a_committed_sealed_list_is_dropped_whatever_its_source(
    tmp_path: Path,
) -> None:
    mapping = write_set(tmp_path, "someset", True, ["placeholder"])
    secret = "this exact sentence is sealed somewhere"
    (tmp_path / "sealed" / "someset.txt").write_text(f"# header\n{row_hash(secret)}\n")
    sealed = committed_sealed([mapping])
    assert sealed == {row_hash(secret)}
    kept = without_sealed(
        [Example(secret, frozenset({"harassment"})), Example("another one", frozenset())], sealed
    )
    assert [e.text for e in kept] == ["another one"]


def test_the_dev_split_keeps_a_template_whole() -> None:
    rows = [
        Example(f"sentence {n} about group {g}", frozenset(), group=f"template:t:{n}")
        for n in range(200)
        for g in ("a", "b", "c")
    ]
    fit, dev = dev_split(rows)
    assert 0.1 < len(dev) / len(rows) < 0.3
    assert not {e.group for e in fit} & {e.group for e in dev}


def tuning_rows(
    hateful_from: float = 0.60, counter_from: float = 0.30, counter_step: float = 0.006
) -> tuple[list[Example], np.ndarray, dict[str, str]]:
    """Out-of-fold hate scores: 100 hateful rows (``hateful_from`` to 0.99) and 50 look-alikes
    (counter-speech quoting what it answers, from ``counter_from`` up) from one set, and 400
    ordinary benign messages that score low (0.00-0.40) from another, as a word model scores
    them."""
    step = (0.99 - hateful_from) / 99
    hateful = [
        (f"hateful {n}", "lookalikes", {"hate"}, hateful_from + step * n) for n in range(100)
    ]
    ordinary = [(f"ordinary {n}", "messages", set(), 0.001 * n) for n in range(400)]
    counter = [
        (f"counter {n}", "lookalikes", set(), counter_from + counter_step * n) for n in range(50)
    ]
    rows = [*hateful, *ordinary, *counter]
    tune = [Example(t, frozenset(a), group=f"text:{t}") for t, _, a, _ in rows]
    raw = np.array([[s] for *_, s in rows], dtype=np.float32)
    return tune, raw, {t: name for t, name, _, _ in rows}


def flagged_share(tune: list[Example], raw: np.ndarray, prefix: str, threshold: float) -> float:
    return float((raw[[e.text.startswith(prefix) for e in tune], 0] >= threshold).mean())


def test_the_threshold_holds_every_sets_benign_rows_to_the_budget() -> None:
    tune, raw, named = tuning_rows()
    chosen = choose_thresholds(tune, raw, ["hate"], sources=named, criterion="budget")["hate"]
    # The look-alikes hold it, though the 400 ordinary messages are all far below: at most the
    # budget of them is flagged, and it is the lowest such threshold, so every hateful row
    # above it is kept.
    assert flagged_share(tune, raw, "counter", chosen) <= FPR_BUDGET
    assert flagged_share(tune, raw, "counter", chosen - 0.025) > FPR_BUDGET
    assert flagged_share(tune, raw, "hateful", chosen) == 1.0


def test_where_look_alikes_score_like_harm_the_recall_floor_stops_the_climb() -> None:
    # Counter-speech scoring 0.50-0.99, as high as the hate it answers: holding it to the
    # budget would leave most hateful rows unflagged, so the threshold stops at the floor.
    tune, raw, named = tuning_rows(hateful_from=0.55, counter_from=0.50, counter_step=0.01)
    chosen = choose_thresholds(tune, raw, ["hate"], sources=named, criterion="budget")["hate"]
    assert flagged_share(tune, raw, "hateful", chosen) >= RECALL_FLOOR
    assert flagged_share(tune, raw, "hateful", chosen + 0.025) < RECALL_FLOOR
    assert flagged_share(tune, raw, "counter", chosen) > FPR_BUDGET  # over budget, and shown


def test_every_area_counts_against_one_budget() -> None:
    # Two areas each flag 2 of 50 look-alikes at their lowest thresholds, different ones: 4 of
    # 50 (8 %) are flagged in some area, over a 5 % budget that each area alone keeps.
    tune = [Example(f"advice {n}", frozenset(), group=f"text:{n}") for n in range(50)]
    tune += [Example(f"harm {n}", frozenset({"privacy"}), group=f"h:{n}") for n in range(50)]
    raw = np.full((100, 2), 0.1, dtype=np.float32)
    raw[0:2, 0] = raw[2:4, 1] = 0.3
    raw[50:, 0] = 0.9
    named = {e.text: "advice" for e in tune}
    alone = choose_thresholds(
        tune, raw, ["privacy", "legal"], sources=named, criterion="area_budget"
    )
    assert alone == {"privacy": 0.2, "legal": 0.2}
    both = choose_thresholds(tune, raw, ["privacy", "legal"], sources=named, criterion="budget")
    flags = (raw >= [both["privacy"], both["legal"]]).any(axis=1)
    assert flags[:50].mean() <= FPR_BUDGET and flags[50:].all()


def test_the_shipped_criterion_weighs_precision_over_recall() -> None:
    # Look-alikes scoring 0.40-0.79 among hate scoring 0.30-0.99: F0.5 (the default) keeps
    # fewer of them flagged than macro F1 did, and still flags most of the hate.
    tune, raw, named = tuning_rows(hateful_from=0.30, counter_from=0.40, counter_step=0.008)
    chosen = choose_thresholds(tune, raw, ["hate"], sources=named)["hate"]
    before = choose_thresholds(tune, raw, ["hate"], sources=named, criterion="macro_f1")["hate"]
    assert flagged_share(tune, raw, "counter", chosen) < flagged_share(tune, raw, "counter", before)
    assert flagged_share(tune, raw, "hateful", chosen) > 0.8


def test_without_public_benign_rows_the_budget_falls_back_to_macro_f1() -> None:
    tune, raw, _ = tuning_rows()
    # A team's model trained without ../shared/data: no set's benign rows to hold a budget to.
    assert choose_thresholds(tune, raw, ["hate"], sources={}, criterion="budget") == (
        choose_thresholds(tune, raw, ["hate"], sources={}, criterion="macro_f1")
    )
    with pytest.raises(ValueError, match="unknown threshold criterion"):
        choose_thresholds(tune, raw, ["hate"], sources={}, criterion="vibes")


def test_sources_names_each_texts_set() -> None:
    a = Example("are we still on for lunch", frozenset())
    b = Example("go back to where you came from", frozenset({"hate"}))
    assert sources({"sms_spam": [a], "toxigen": [b]}) == {a.text: "sms_spam", b.text: "toxigen"}
