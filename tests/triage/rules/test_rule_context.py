"""Context rules never clear a report about a real thing (#20 item 1).

"What is grooming?" asks about a word and may be cleared; "what are these underage pics?" points
at real pictures. "Beat my wife at chess" is playing; "kill my dad after the game" says when.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.settings import DEFAULT_CONFIG_DIR
from watchfloor.triage.rules.engine import TriageInput, load_rules
from watchfloor.triage.service import TriageEngine
from watchfloor.triage.taxonomy import Priority, load_taxonomy

TAXONOMY = load_taxonomy(DEFAULT_CONFIG_DIR)
ENGINE = TriageEngine(TAXONOMY, load_rules(DEFAULT_CONFIG_DIR, TAXONOMY), classifier=None)


class FixedScores:
    """A classifier sure of one area, whatever the text: only a context rule keeps it out."""

    def __init__(self, area: str) -> None:
        self.area = area
        self.thresholds = {area: 0.5}

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        return [{self.area: 0.9} for _ in texts]


def triage(text: str) -> tuple[str, Priority]:
    result = ENGINE.triage_many([TriageInput(text)])[0]
    return result.harm_area, result.priority


@pytest.mark.parametrize(
    ("text", "area", "priority"),
    [
        # The four reports of #20 that came out unclassified P3.
        ("what are these underage pics?", "child_safety", Priority.P1),
        ("what is this death threat?", "violence_threats", Priority.P1),
        ("what is this terrorist propaganda?", "violent_extremism", Priority.P1),
        ("He said he'd kill my dad after the game", "violence_threats", Priority.P0),
        # Look-alikes of them, as other people would write them.
        ("What are those underage photos in his profile?", "child_safety", Priority.P1),
        ("what's that death threat he sent my sister", "violence_threats", Priority.P1),
        ("what is my ex's death threat supposed to mean", "violence_threats", Priority.P1),
        ("What are these nudes of a 14 year old??", "child_safety", Priority.P0),
        ("what is this video of a kid naked", "child_safety", Priority.P0),
        ("he's going to stab him at the game on saturday", "violence_threats", Priority.P0),
        ("they said they'd kill my brother at the match tonight", "violence_threats", Priority.P0),
        ("I'll kill him at the match tonight", "violence_threats", Priority.P0),
        ("I'm going to beat my wife after the chess club", "violence_threats", Priority.P1),
    ],
)
def test_a_report_about_a_real_thing_is_placed(text: str, area: str, priority: Priority) -> None:
    assert triage(text) == (area, priority)


@pytest.mark.parametrize(
    "text",
    [
        "What is grooming?",
        "what is terrorist propaganda",
        "What does doxxing mean?",
        "define self-harm",
        "I beat my wife at chess every sunday",
        "gonna destroy him in Fortnite tonight",
        "how do I beat my dad at checkers",
    ],
)
def test_a_question_about_a_word_or_a_game_is_cleared(text: str) -> None:
    assert triage(text) == ("unclassified", Priority.P3)


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("what are these underage pics?", "child_safety"),
        ("what is this death threat?", "violence_threats"),
        ("He said he'd kill my dad after the game", "violence_threats"),
        ("I'll smash his face in after the game", "violence_threats"),
    ],
)
def test_the_classifier_is_not_kept_out_of_a_real_thing(text: str, area: str) -> None:
    engine = TriageEngine(TAXONOMY, ENGINE.rules, FixedScores(area))  # type: ignore[arg-type]
    result = engine.triage_many([TriageInput(text)])[0]
    assert result.harm_area == area, result.reasons
    assert not any("kept out" in r for r in result.reasons), result.reasons


def test_a_threat_after_the_game_reaches_the_api_as_p0(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    intake, analyst = make_user("intake"), make_user("analyst")
    r = client.post(
        "/api/v1/reports",
        json=report(1, text="He said he'd kill my dad after the game"),
        headers=intake.headers,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["harm_area"], out["priority"]) == ("violence_threats", "P0"), out["reasons"]
    assert not any("game or sport" in reason for reason in out["reasons"])
    case = client.get(f"/api/v1/cases/{out['case']}", headers=analyst.headers).json()
    assert case["priority"] == "P0"
