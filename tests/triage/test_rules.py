"""First-version triage rules, without a database."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.errors import ConfigError
from watchfloor.settings import DEFAULT_CONFIG_DIR
from watchfloor.triage.rules import TriageInput, load_rules
from watchfloor.triage.taxonomy import Priority, load_taxonomy

TAXONOMY = load_taxonomy(DEFAULT_CONFIG_DIR)
RULES = load_rules(DEFAULT_CONFIG_DIR, TAXONOMY)


@pytest.mark.parametrize(
    ("text", "area", "priority"),
    [
        ("I am going to kill myself tonight", "self_harm", Priority.P0),
        ("he said he is GOING   TO KILL her", "violence_threats", Priority.P0),
        ("selling CSAM links in this group", "child_safety", Priority.P0),
        ("they want me to send pics to a 12 year old", "child_safety", Priority.P0),
        (
            "Emergency disclosure request under exigent circumstances",
            "legal_regulatory",
            Priority.P0,
        ),
        ("this is a crypto investment scam with guaranteed returns", "fraud_scams", Priority.P2),
        ("our API key was leaked on a forum", "developer_abuse", Priority.P2),
        ("please delete my data under GDPR", "privacy", Priority.P2),
        ("so much spam", "spam_manipulation", Priority.P3),
    ],
)
def test_phrases_place_reports(text: str, area: str, priority: Priority) -> None:
    result = RULES.apply(TriageInput(text))
    assert (result.harm_area, result.priority) == (area, priority)


def test_the_reason_quotes_what_matched() -> None:
    result = RULES.apply(TriageInput("i will kill myself"))
    assert result.reasons[0] == "matched imminent self-harm phrase 'kill myself' → P0"


def test_word_boundaries() -> None:
    # "scampi" is not "scam"; "spammy" is not "spam".
    result = RULES.apply(TriageInput("the scampi was spammy"))
    assert result.harm_area == "unclassified"


def test_most_urgent_wins_and_every_match_is_a_reason() -> None:
    result = RULES.apply(TriageInput("they keep harassing me and now I want to end my life"))
    assert (result.harm_area, result.priority) == ("self_harm", Priority.P0)
    assert len(result.reasons) == 2


def test_reporter_category_when_nothing_matched() -> None:
    result = RULES.apply(TriageInput("see attached", category_hint="hate"))
    assert (result.harm_area, result.priority) == ("hate", Priority.P2)
    assert "reporter chose 'hate'" in result.reasons[0]


def test_trusted_reporters_raise_one_level_but_not_to_p0() -> None:
    result = RULES.apply(TriageInput("so much spam", reporter_kind="trusted_flagger"))
    assert result.priority is Priority.P2
    assert "trusted flagger" in result.reasons[-1]
    result = RULES.apply(TriageInput("court order attached", reporter_kind="law_enforcement"))
    assert result.priority is Priority.P1


def test_unknown_harm_area_in_rules_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "triage_rules.yaml").write_text(
        "version: 1\nrules:\n  - id: x\n    harm_area: lizards\n    priority: P1\n"
        "    label: x\n    phrases: [abc]\n"
    )
    with pytest.raises(ConfigError) as err:
        load_rules(tmp_path, TAXONOMY)
    assert f"{tmp_path / 'triage_rules.yaml'}:4: rules.0.harm_area:" in str(err.value)
    assert "unknown harm area 'lizards'" in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "triage_rules.yaml").write_text("version: 1\nrules: [\n  oops: : :\n")
    with pytest.raises(ConfigError) as err:
        load_rules(tmp_path, TAXONOMY)
    assert "not valid YAML" in str(err.value) and "triage_rules.yaml:" in str(err.value)
