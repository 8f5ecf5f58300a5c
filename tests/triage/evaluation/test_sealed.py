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

from watchfloor.triage.evaluation.datasets import (
    LabelMapping,
    mappings_in,
    read_rows,
    sealed_hashes,
    sealed_list_text,
    sealed_rows,
)
from watchfloor.triage.rules.patterns import WORD, TextPattern, phrase_variants
from watchfloor.triage.taxonomy import load_taxonomy

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
    """Every phrase and proximity term of four or more words (in every word form it stands
    for) and every pattern of every rule, ready to match.

    A proximity rule's match spans words the writer never wrote in a row ("a 13 year old sent
    me nudes" is two terms six words apart): what could be copied from a row is its terms, so
    each term is checked as a phrase.
    """

    def __init__(
        self, rules: list[dict[str, Any]], terms: dict[str, list[str]] | None = None
    ) -> None:
        self.phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.patterns: list[tuple[str, TextPattern]] = []
        named = terms or {}
        for rule in rules:
            rule_id = str(rule["id"])
            phrases = [str(p) for p in rule.get("phrases") or []]
            near = rule.get("near") or {}
            question = rule.get("definition_question") or {}
            for terms_list in [
                *(near.get("lists") or []),
                near.get("unless"),
                question.get("unless"),
            ]:
                if isinstance(terms_list, str):
                    terms_list = named.get(terms_list, [])
                phrases += [str(p) for p in terms_list or []]
            for phrase in phrases:
                for words in phrase_variants(phrase):
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


@pytest.fixture(scope="module")
def offending(sealed_texts: dict[str, list[str]]) -> dict[str, int]:
    """Rule id → how many sealed rows a phrase or pattern of four or more words of it matches.

    Such a rule was most likely written from the row, which makes that row's figure a memory
    test. Matched as the engine matches: whole words, whatever the case; a pattern counts when
    what it matched has four or more words. Ids and counts only: the rows stay unread.
    """
    config = yaml.safe_load((CONFIG / "triage_rules.yaml").read_text())
    check = RuleCheck(config["rules"], config.get("terms"))
    found: dict[str, int] = {}
    for texts in sealed_texts.values():
        for row in texts:
            for rule_id in check.matching(row):
                found[rule_id] = found.get(rule_id, 0) + 1
    return found


def test_no_rule_phrase_term_or_pattern_of_four_words_matches_a_sealed_row(
    offending: dict[str, int],
) -> None:
    """#20 item 1: the rules written from evaluation rows were removed or generalised; a rule
    that matches a sealed row with four or more words of its own fails here (ids and counts
    only: decide from the rule, never by reading the row)."""
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


def test_the_rule_check_reads_word_forms_and_proximity_terms() -> None:
    """A phrase is checked in every word form it stands for, and a proximity rule by its terms,
    named or written in place; a proximity match of short terms is not a copied sentence."""
    check = RuleCheck(
        [
            {"id": "forms", "phrases": ["want+s to hurt my"]},
            {"id": "inline", "near": {"lists": [["i", "we"], ["hurt my neighbour's feelings"]]}},
            {
                "id": "named",
                "near": {"lists": ["who", "what"], "unless": ["my neighbour's dog tonight"]},
            },
            {"id": "short", "near": {"lists": [["honestly"], ["tonight"]], "within": 9}},
        ],
        {"who": ["i"], "what": ["hurt"]},
    )
    assert check.matching("Honestly, she wants to HURT my neighbour's dog tonight.") == {
        "forms",
        "named",
    }
    assert check.matching("we hurt my neighbour's feelings") == {"inline"}
