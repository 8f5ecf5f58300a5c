"""``watchfloor triage explain``: why a text was (or was not) placed, for a lead and a machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from watchfloor.runtime import load_config
from watchfloor.settings import Settings
from watchfloor.triage.explain import (
    AreaScore,
    StageScores,
    explain,
    render,
    second_stage_scores,
)
from watchfloor.triage.service import TriageEngine

# Written for these tests, as people write reports.
P0_RULE = "a guy in our group chat says he is planting a bomb at the station tomorrow morning"
CLEARED = (
    "my brother threatened to kill me at poker night, he always says he will murder me at cards"
)
BENIGN = "Thanks for fixing the login page so quickly, it works great now"


def _explain(tmp_path: Path, *args: str, **env: str) -> tuple[dict[str, Any], str]:
    """The --json answer and the plain one, for the same text and options."""
    db = f"sqlite:///{tmp_path / 'explain.db'}"
    env = {"WATCHFLOOR_ENVIRONMENT": "test", **env}
    plain = run_cli(db, "triage", "explain", *args, **env)
    machine = run_cli(db, "triage", "explain", *args, "--json", **env)
    assert plain.returncode == 0, plain.stderr
    assert machine.returncode == 0, machine.stderr
    facts: dict[str, Any] = json.loads(machine.stdout)
    _same_facts(facts, plain.stdout)
    return facts, plain.stdout


def _same_facts(facts: dict[str, Any], text: str) -> None:
    """Everything the JSON says decided is in the plain text too."""
    v = facts["verdict"]
    assert f"Verdict: {v['harm_area']}, {v['priority']}, risk {v['risk']:.2f}" in text
    assert all(reason in text for reason in v["reasons"])
    assert all(f"{r['id']} ({r['label']})" in text for r in facts["rules"])
    for area in facts["classifier"]["areas"]:
        mark = "ABOVE" if area["above"] else "below"
        assert f"{area['area']:<24} {area['score']:>5.2f} / {area['threshold']:.2f}" in text
        assert mark in text
    for clearing in facts["cleared"]:
        assert clearing["context"] in text
    lang = facts["language"]
    if lang["detected"]:
        assert f"detected {lang['detected']} (confidence {lang['confidence']:.2f}" in text


def _placing(facts: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in facts["rules"] if r["effect"] == "places"]


def test_a_p0_rule_hit_shows_the_rule_its_match_and_the_verdict(tmp_path: Path) -> None:
    facts, text = _explain(tmp_path, P0_RULE)
    assert facts["verdict"]["priority"] == "P0"
    assert facts["verdict"]["harm_area"] == "violence_threats"
    p0 = [r for r in _placing(facts) if r["priority"] == "P0"]
    assert p0 and p0[0]["harm_area"] == "violence_threats"
    assert p0[0]["matched"] and p0[0]["matched"] in P0_RULE.lower()
    assert p0[0]["negated_by"] is None and p0[0]["kept_out_by"] is None
    assert f"matched '{p0[0]['matched']}' → places violence_threats at P0" in text
    assert facts["language"] == {
        "given": None,
        "detected": "en",
        "confidence": facts["language"]["confidence"],
        "trusted": True,
        "rules_read": "en",
    }
    assert facts["hash_matches"] == [] and "Hash matches: none" in text


# A team's own model, trained from its decisions: insults at a person are harassment.
INSULTS = [
    "he calls me a worthless idiot in every comment",
    "she keeps calling me a stupid cow under my photos",
    "they call me ugly and worthless every single day",
    "this account calls me a pathetic loser in my comments",
    "he keeps telling me I am a useless idiot",
    "she calls me a fat ugly cow every time I post",
    "they write that I am a stupid pathetic loser",
    "he keeps posting that I am worthless and ugly",
    "calls me an idiot and a loser under every post",
    "keeps calling my sister a stupid ugly cow",
    "he says I am a useless pathetic idiot every day",
    "she writes that I am a worthless stupid loser",
]
ORDINARY = [
    "my order arrived late and the box was damaged",
    "the app logs me out every time I open the camera",
    "I cannot change my email address in settings",
    "the payment page shows the wrong currency",
    "please add a dark mode to the app",
    "my photos are uploading very slowly today",
    "the search does not find my old posts",
    "I was charged twice for the same order",
    "notifications stopped working after the update",
    "how do I download a copy of my data",
    "the video keeps buffering on my phone",
    "I forgot my password and the reset email never came",
]


def _team_model(model_dir: Path) -> None:
    from watchfloor.triage.classifiers.first_stage import TextClassifier

    areas = load_config(Settings(environment="test")).taxonomy.area_ids
    texts = INSULTS + ORDINARY
    labels = [frozenset({"harassment"})] * len(INSULTS) + [frozenset()] * len(ORDINARY)
    TextClassifier.fit(texts, labels, areas).save(model_dir / "active.npz")


def test_a_classifier_only_placement_shows_the_score_above_its_threshold(tmp_path: Path) -> None:
    _team_model(tmp_path / "models")
    facts, text = _explain(
        tmp_path,
        "this guy calls me a useless ugly idiot whenever I post",
        WATCHFLOOR_TRIAGE_MODEL_DIR=str(tmp_path / "models"),
    )
    area = facts["verdict"]["harm_area"]
    assert area == "harassment" and _placing(facts) == []
    assert facts["classifier"]["name"].startswith("trained")
    scored = {a["area"]: a for a in facts["classifier"]["areas"]}
    assert scored[area]["above"] and scored[area]["score"] >= scored[area]["threshold"]
    assert any(r.startswith(f"classifier scored {area}") for r in facts["verdict"]["reasons"])
    assert f"{area:<24}" in text and "ABOVE" in text
    # Every harm area's score is shown beside its threshold, not only the ones that placed it.
    assert len(scored) >= 10 and sum(a["above"] for a in scored.values()) >= 1
    assert any(not a["above"] for a in scored.values())


def test_a_context_rule_shows_what_it_cleared(tmp_path: Path) -> None:
    facts, text = _explain(tmp_path, CLEARED)
    contexts = [r for r in facts["rules"] if r["effect"] == "clears"]
    assert contexts and "violence_threats" in contexts[0]["clears"]
    kept = [r for r in _placing(facts) if r["kept_out_by"]]
    assert kept and kept[0]["kept_out_by"] == contexts[0]["id"]
    assert facts["cleared"] and any("rule " in k for k in facts["cleared"][0]["kept_out"])
    assert facts["verdict"]["harm_area"] != "violence_threats"
    assert f"kept out by {contexts[0]['id']}" in text
    assert "Cleared by context: none" not in text


def test_a_benign_text_shows_nothing_placed_it(tmp_path: Path) -> None:
    facts, text = _explain(tmp_path, BENIGN)
    assert facts["rules"] == [] and facts["cleared"] == []
    assert facts["verdict"]["harm_area"] == "unclassified"
    assert facts["verdict"]["priority"] == "P3"
    assert not any(a["above"] for a in facts["classifier"]["areas"])
    assert "Rules that matched: none" in text and "ABOVE" not in text
    assert "\nSecond stage" in text  # said, whether or not one is installed


def test_the_options_reach_triage_as_a_report_would(tmp_path: Path) -> None:
    facts, _ = _explain(
        tmp_path,
        "Il m'envoie des menaces tous les soirs depuis une semaine",
        "--reporter-kind",
        "law_enforcement",
        "--category",
        "harassment",
    )
    assert facts["reporter_kind"] == "law_enforcement" and facts["category"] == "harassment"
    assert facts["language"]["detected"] == "fr" and facts["language"]["rules_read"] == "fr"
    assert any("law-enforcement" in r for r in facts["verdict"]["reasons"])

    given, _ = _explain(tmp_path, "Il m'envoie des menaces", "--language", "en")
    assert given["language"]["given"] == "en" and given["language"]["rules_read"] == "en"
    assert given["language"]["detected"] == "fr"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["   "], "TEXT is empty"),
        (["he hit me", "--reporter-kind", "neighbour"], "--reporter-kind 'neighbour'"),
        (["he hit me", "--category", "crimes"], "--category 'crimes' is not a harm area"),
        (["he hit me", "--language", "english!"], "--language 'english!'"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    tmp_path: Path, args: list[str], says: str
) -> None:
    r = run_cli(
        f"sqlite:///{tmp_path / 'x.db'}", "triage", "explain", *args, WATCHFLOOR_ENVIRONMENT="test"
    )
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert says in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_without_a_classifier_the_explanation_says_rules_only() -> None:
    config = load_config(Settings(environment="test"))
    engine = config.triager
    assert isinstance(engine, TriageEngine)
    rules_only = TriageEngine(engine.taxonomy, engine.rules, None)
    e = explain(rules_only, text=P0_RULE, second_stage=second_stage_scores(P0_RULE))
    assert e.classifier.status == "missing" and e.classifier.areas == []
    assert "classifier_missing" in e.verdict.flags
    assert "Classifier: missing: no classifier model installed" in render(e)
    assert e.second_stage.status in ("scored", "missing", "failed")


def test_a_second_stage_is_shown_beside_its_thresholds_when_it_scores() -> None:
    config = load_config(Settings(environment="test"))
    engine = config.triager
    assert isinstance(engine, TriageEngine)
    stage = StageScores(
        "scored",
        name="multilingual MiniLM heads",
        areas=[AreaScore("hate", 0.91, 0.6, True), AreaScore("harassment", 0.2, 0.5, False)],
    )
    text = render(explain(engine, text=BENIGN, second_stage=stage))
    assert "Second stage (multilingual MiniLM heads): score / threshold per harm area" in text
    assert "hate                      0.91 / 0.60  ABOVE" in text
    assert "harassment                0.20 / 0.50  below" in text
