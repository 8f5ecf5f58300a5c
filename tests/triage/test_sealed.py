"""The sealed parts of the labelled sets (#20): the committed hash lists match the data, and no
rule was written from a sealed row.

These tests read ../shared/data beside the repo (as CI has it) and skip without it. They never
print a sealed row: a failure names sets and rule ids, and counts, only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from watchfloor.triage.datasets import (
    LabelMapping,
    mappings_in,
    read_rows,
    sealed_hashes,
    sealed_list_text,
    sealed_rows,
)
from watchfloor.triage.patterns import WORD, TextPattern
from watchfloor.triage.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
DATA = next(
    (
        p
        for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
        if (p / "README.md").exists()
    ),
    None,
)
# Fewer words than this is a term anyone would write, not a sentence copied from a row.
MIN_WORDS = 4

pytestmark = pytest.mark.skipif(
    DATA is None and not os.environ.get("CI"), reason="no ../shared/data beside the repo"
)


@pytest.fixture(scope="module")
def present() -> list[LabelMapping]:
    """The mappings whose set is in the data directory (CI must have them all)."""
    assert DATA is not None, "CI needs ../shared/data beside the repo"
    areas = load_taxonomy(CONFIG).area_ids
    found = [m for m in mappings_in(CONFIG / "datasets", areas) if m.file]
    return [m for m in found if (DATA / m.file).exists()]


@pytest.fixture(scope="module")
def sealed_texts(present: list[LabelMapping]) -> dict[str, list[str]]:
    """Each set's sealed texts (read once for the module; held in memory, never shown)."""
    out = {}
    for m in present:
        rows = [row for _, row in read_rows(DATA / m.file)]
        out[m.name] = [str(r["text"]) for r, s in zip(rows, sealed_rows(rows, m), strict=True) if s]
    return out


def test_every_set_in_the_data_has_a_mapping_and_a_sealed_list(
    present: list[LabelMapping],
) -> None:
    assert DATA is not None
    mapped = {m.file for m in present}
    sets = {
        p.relative_to(DATA).as_posix()
        for p in DATA.glob("*/normalized*.jsonl")
        if p.name in {"normalized.jsonl", "normalized_train.jsonl"}
    }
    assert sets - mapped == set(), "sets in the data with no mapping in config/datasets/"
    listed = {p.stem for p in (CONFIG / "datasets" / "sealed").glob("*.txt")}
    assert {m.name for m in present} - listed == set()


def test_committed_sealed_lists_match_what_the_code_computes(
    present: list[LabelMapping],
) -> None:
    stale = []
    for m in present:
        expected = sealed_list_text(m, sealed_hashes(DATA / m.file, m))
        committed = CONFIG / "datasets" / "sealed" / f"{m.name}.txt"
        if committed.read_text() != expected:
            stale.append(m.name)
    assert stale == [], "run 'watchfloor triage seal' and review why the sealed part moved"


def test_about_a_fifth_of_every_set_is_sealed(sealed_texts: dict[str, list[str]]) -> None:
    assert DATA is not None
    for name, texts in sealed_texts.items():
        lines = (CONFIG / "datasets" / "sealed" / f"{name}.txt").read_text().splitlines()
        hashes = [line for line in lines if not line.startswith("#")]
        assert hashes == sorted(set(hashes)), name
        assert len(hashes) == len(set(texts)), name
    sizes = {name: len(texts) for name, texts in sealed_texts.items()}
    assert all(size > 0 for size in sizes.values()), sizes


class RuleCheck:
    """Every phrase of four or more words and every pattern of every rule, ready to match."""

    def __init__(self, rules: list[dict[str, Any]]) -> None:
        self.phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.patterns: list[tuple[str, TextPattern]] = []
        for rule in rules:
            rule_id = str(rule["id"])
            for phrase in rule.get("phrases") or []:
                words = tuple(WORD.findall(str(phrase).lower()))
                if len(words) >= MIN_WORDS:
                    self.phrases.setdefault(words[0], []).append((rule_id, words))
            for pattern in rule.get("patterns") or []:
                self.patterns.append((rule_id, TextPattern(str(pattern))))

    def matching(self, row: str) -> set[str]:
        """The ids of the rules with a phrase or pattern of four or more words in ``row``."""
        lowered = row.lower()
        words = WORD.findall(lowered)
        found = set()
        for i, word in enumerate(words):
            for rule_id, phrase in self.phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.add(rule_id)
        for rule_id, pattern in self.patterns:
            if rule_id not in found:
                match = pattern.find(row, lowered)
                if match is not None and len(WORD.findall(match[0])) >= MIN_WORDS:
                    found.add(rule_id)
        return found


# Rules that matched sealed rows when the parts were first sealed (#20 item 1). Which rows they
# match was not looked at; the decision to remove or generalise them is the lead's. Empty this
# set as they are fixed: the strict xfail below then passes and must lose its marker.
KNOWN_OFFENDERS = frozenset(
    {
        "imminent-violence",
        "harm-a-person",
        "definition-question",
        "phishing-link",
        "game-context",
        "extremist-glorification",
    }
)


@pytest.fixture(scope="module")
def offending(sealed_texts: dict[str, list[str]]) -> dict[str, int]:
    """Rule id → how many sealed rows a phrase or pattern of four or more words of it matches.

    Such a rule was most likely written from the row, which makes that row's figure a memory
    test. Matched as the engine matches: whole words, whatever the case; a pattern counts when
    what it matched has four or more words. Ids and counts only: the rows stay unread.
    """
    check = RuleCheck(yaml.safe_load((CONFIG / "triage_rules.yaml").read_text())["rules"])
    found: dict[str, int] = {}
    for texts in sealed_texts.values():
        for row in texts:
            for rule_id in check.matching(row):
                found[rule_id] = found.get(rule_id, 0) + 1
    return found


def test_no_new_rule_matches_a_sealed_row(offending: dict[str, int]) -> None:
    new = {k: v for k, v in offending.items() if k not in KNOWN_OFFENDERS}
    assert new == {}, f"rules matching sealed rows (rule id: rows): {new}"


@pytest.mark.xfail(
    strict=True,
    reason="#20: rules written from evaluation rows still match sealed rows; the lead decides",
)
def test_no_rule_phrase_or_pattern_of_four_words_matches_a_sealed_row(
    offending: dict[str, int],
) -> None:
    assert offending == {}, f"rules matching sealed rows (rule id: rows): {offending}"


def test_the_rule_check_catches_a_copied_sentence() -> None:
    """The check itself: a four-word phrase inside a row matches, a three-word one does not,
    and a pattern counts by the words it matched."""
    check = RuleCheck(
        [
            {"id": "four", "phrases": ["Want to hurt my"]},
            {"id": "three", "phrases": ["want to hurt"]},
            {"id": "other", "phrases": ["want to hurt your"]},
            {"id": "long-pattern", "patterns": [r"hurt my \S+ dog"]},
            {"id": "short-pattern", "patterns": [r"hurt my"]},
        ]
    )
    assert check.matching("Honestly, I want to HURT my neighbour's dog tonight.") == {
        "four",
        "long-pattern",
    }
