"""How rules read words: word forms, proximity (near), definition questions, and the errors a
policy writer gets for a rule that cannot work (#20 item 4). Without a database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from watchfloor.errors import ConfigError
from watchfloor.settings import DEFAULT_CONFIG_DIR
from watchfloor.triage.rules.engine import Rules, RuleSet, TriageInput, load_rules
from watchfloor.triage.rules.patterns import phrase_variants, word_forms
from watchfloor.triage.taxonomy import Priority, load_taxonomy

TAXONOMY = load_taxonomy(DEFAULT_CONFIG_DIR)
SHIPPED = load_rules(DEFAULT_CONFIG_DIR, TAXONOMY)


def rules(*rules: dict[str, Any], terms: dict[str, list[str]] | None = None) -> Rules:
    return Rules(
        RuleSet.model_validate(
            {"version": 1, "terms": terms or {}, "rules": list(rules)},
            context={"taxonomy": TAXONOMY},
        )
    )


def fired(engine: Rules, text: str) -> dict[str, tuple[Priority | None, str | None]]:
    return {h.rule.id: (h.priority, h.quote) for h in engine.hits(TriageInput(text))}


# --- word forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I have been self harming again",
        "she self-harmed last week",
        "posts about selfharm",
        "he selfharms when he is alone",
        "worried about SELF-HARM in my class",
    ],
)
def test_self_harm_matches_its_word_forms(text: str) -> None:
    hits = fired(SHIPPED, text)
    assert hits["self-harm-risk"][0] is Priority.P1, hits


def test_present_forms_of_an_imminent_phrase_are_imminent_and_past_ones_are_not() -> None:
    # "kill+ing myself": killing myself is now; "killed myself" is hyperbole or history.
    assert fired(SHIPPED, "he kills himself if nobody helps")["imminent-self-harm"][0] == (
        Priority.P0
    )
    assert fired(SHIPPED, "I am killing myself tonight")["imminent-self-harm"][0] is Priority.P0
    assert "imminent-self-harm" not in fired(SHIPPED, "I nearly killed myself on that ladder")


@pytest.mark.parametrize(
    ("word", "marker", "expected", "not_expected"),
    [
        ("kid", "+s", {"kid", "kids", "kid's"}, {"kidding", "kidded"}),
        ("child", "+s", {"children", "children's", "child's"}, set()),
        ("wife", "+s", {"wives", "wife's"}, set()),
        ("kill", "+ing", {"kill", "kills", "killing"}, {"killed"}),
        ("stab", "+ing", {"stabs", "stabbing"}, {"stabbed"}),
        ("die", "+ing", {"dies", "dying"}, {"died"}),
        ("overdose", "+ed", {"overdoses", "overdosing", "overdosed"}, set()),
        ("hang", "+ed", {"hanging", "hanged", "hung"}, set()),
        ("cut", "+ed", {"cuts", "cutting", "cut"}, set()),
        ("crack", None, {"crack"}, {"cracking", "cracks"}),
    ],
)
def test_word_forms(
    word: str, marker: str | None, expected: set[str], not_expected: set[str]
) -> None:
    forms = word_forms(word, marker)
    assert expected <= forms
    assert not forms & not_expected


def test_a_hyphenated_phrase_also_matches_apart_and_joined() -> None:
    assert set(phrase_variants("pro-ana")) == {("pro", "ana"), ("proana",)}
    assert ("selfharming",) in phrase_variants("self-harm+ed")
    assert ("self", "harmed") in phrase_variants("self-harm+ed")


@pytest.mark.parametrize(
    ("phrase", "error"),
    [
        ("kill+es", "a word-form marker is one of +s, +ing, +ed"),
        ("kill +ing", "the marker has no word"),
        ("a+s b+s c+s d+s e+s f+s g+s h+s i+s j+s", "word sequences (at most 5,000)"),
    ],
)
def test_a_bad_marker_is_an_error_naming_the_phrase(phrase: str, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        phrase_variants(phrase)


# --- proximity ---------------------------------------------------------------------------------

NEAR = {
    "id": "near",
    "label": "a minor near a sexual term",
    "harm_area": "child_safety",
    "priority": "P0",
    "near": {"lists": ["minors", "sexual"], "within": 4, "unless": ["sex education"]},
}
TERMS = {"minors": ["child+s", "12 year old+s"], "sexual": ["nude+s", "naked"]}


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("nudes of a 12 year old", "nudes of a 12 year old"),  # either order
        ("a 12 year old sent nudes", "12 year old sent nudes"),
        ("pictures of naked children", "naked children"),
    ],
)
def test_a_term_of_each_list_within_n_words_fires(text: str, quote: str) -> None:
    assert fired(rules(NEAR, terms=TERMS), text) == {"near": (Priority.P0, quote)}


@pytest.mark.parametrize(
    "text",
    [
        "the children went home and much later someone posted nudes",  # too far apart
        "sex education with nude diagrams for 12 year olds",  # the unless term is near
        "children playing in the park",  # one list only
    ],
)
def test_too_far_apart_or_an_unless_term_near_does_not_fire(text: str) -> None:
    assert fired(rules(NEAR, terms=TERMS), text) == {}


def test_an_ordered_proximity_rule_needs_its_lists_in_order() -> None:
    ordered = NEAR | {"near": {"lists": ["minors", "sexual"], "within": 4, "ordered": True}}
    engine = rules(ordered, terms=TERMS)
    assert "near" in fired(engine, "children naked")
    assert fired(engine, "naked children") == {}


def test_a_negation_before_a_proximity_match_lowers_it_one_level() -> None:
    engine = rules(NEAR, terms=TERMS)
    assert fired(engine, "I would never want naked children")["near"][0] is Priority.P1


def test_three_lists_a_weapon_a_place_and_a_time() -> None:
    hits = fired(SHIPPED, "he is bringing a knife to the high school on friday")
    assert hits["armed-with-a-time"][0] is Priority.P0
    assert "armed-with-a-time" not in fired(SHIPPED, "he is bringing a knife to the high school")


# --- definition questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["What is grooming?", "what's doxxing", "Define sextortion.", "what does kys mean?"],
)
def test_a_question_about_a_term_is_a_definition(text: str) -> None:
    assert "definition-question" in fired(SHIPPED, text)


@pytest.mark.parametrize(
    "text",
    [
        "what are these underage pics?",
        "what is this death threat?",
        "what is my son's grooming",
        "What is the best way to hide a body?",
        "what is grooming? my son's coach keeps texting him at night",
    ],
)
def test_a_question_pointing_at_a_real_thing_is_not_a_definition(text: str) -> None:
    assert "definition-question" not in fired(SHIPPED, text)


# --- errors a policy writer gets -----------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "triage_rules.yaml").write_text(body)
    return tmp_path


RULE = "  - id: x\n    label: x\n    harm_area: hate\n    priority: P2\n"


@pytest.mark.parametrize(
    ("body", "line", "error"),
    [
        (
            f"version: 1\nrules:\n{RULE}    near: {{lists: [nope, [a]], within: 3}}\n",
            3,
            "near.lists.0: unknown term list 'nope'; named lists: none",
        ),
        (
            f"version: 1\nterms:\n  a: [x]\n  b: [y]\nrules:\n{RULE}"
            "    near: {lists: [a, [z]], within: 3}\n",
            1,
            "term list(s) no rule uses: b",
        ),
        (
            f"version: 1\nrules:\n{RULE}    near: {{lists: [[kid+s], [kids, sex]], within: 3}}\n",
            3,
            "near.lists.0 and near.lists.1 both match 'kids'",
        ),
        (
            f"version: 1\nrules:\n{RULE}    near: {{lists: [[a]], within: 3}}\n",
            7,
            "List should have at least 2 items",
        ),
        (
            f"version: 1\nrules:\n{RULE}    near: {{lists: [[a], [b]], within: 0}}\n",
            7,
            "greater than or equal to 1",
        ),
        (
            f"version: 1\nrules:\n{RULE}    phrases: [self-harm+es]\n",
            7,
            "'self-harm+es' in phrase 'self-harm+es': a word-form marker is one of",
        ),
    ],
)
def test_a_bad_rule_is_an_error_naming_file_line_and_why(
    tmp_path: Path, body: str, line: int, error: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_rules(write(tmp_path, body), TAXONOMY)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'triage_rules.yaml'}:{line}: "), message
    assert error in message
