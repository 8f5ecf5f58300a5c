"""The triage engine end to end: the classifier's reasons on cases, failure never blocks intake,
and `watchfloor triage eval` / `train` as an operator runs them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.cli_runner import run_cli
from tests.conftest import Person
from tests.factories import report
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import seed_demo
from watchfloor.triage import service as triage
from watchfloor.triage.classifiers.first_stage import TextClassifier
from watchfloor.triage.rules.engine import TriageInput
from watchfloor.triage.service import BASE_MODEL, TriageEngine


@pytest.fixture
def people(make_user: Callable[..., Person]) -> dict[str, Person]:
    return {r: make_user(r) for r in ("intake", "analyst")}


def test_the_classifier_places_what_no_rule_names_and_says_so(
    client: TestClient, people: dict[str, Person]
) -> None:
    text = (
        "URGENT! Your mobile number has been awarded a 2000 pound bonus. "
        "To collect call 09066362206 now, 150p per minute"
    )
    r = client.post("/api/v1/reports", json=report(1, text=text), headers=people["intake"].headers)
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["harm_area"] == "fraud_scams" and result["flags"] == []
    assert any(x.startswith("classifier scored fraud_scams ") for x in result["reasons"])
    assert 0.5 <= result["risk"] <= 1
    case = client.get(f"/api/v1/cases/{result['case']}", headers=people["analyst"].headers).json()
    assert case["risk"] == result["risk"] and "fraud_scams" in case["harm_areas"]
    assert case["reports"][0]["area_scores"]["fraud_scams"] > 0.5


class BrokenClassifier:
    thresholds: dict[str, float] = {}

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise MemoryError("model could not be scored")


def test_a_classifier_failure_never_blocks_intake(
    client: TestClient, runtime: Runtime, people: dict[str, Person]
) -> None:
    engine = runtime.config.triager
    assert isinstance(engine, TriageEngine)
    engine.classifier = BrokenClassifier()  # type: ignore[assignment]
    r = client.post(
        "/api/v1/reports",
        json=report(1, text="I am going to kill myself tonight"),
        headers=people["intake"].headers,
    )
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["harm_area"], result["priority"]) == ("self_harm", "P0")
    assert result["flags"] == ["classifier_failed"]
    assert result["reasons"][-1] == "classifier unavailable: triaged by rules only"
    case = client.get(f"/api/v1/cases/{result['case']}", headers=people["analyst"].headers).json()
    assert case["flags"] == ["classifier_failed"]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    return path


def test_eval_prints_the_figures_for_labelled_data(tmp_path: Path) -> None:
    rows = [
        {
            "text": "Congratulations you have won a prize, call 09061701461 to claim",
            "label": "spam",
        },
        {"text": "WINNER! claim your 1000 cash reward now, txt WIN to 80086", "label": "spam"},
        {"text": "are we still on for lunch tomorrow?", "label": "ham"},
        {"text": "running late, see you at 7", "label": "ham"},
    ]
    data = write_jsonl(tmp_path / "sms.jsonl", rows)
    done = run_cli("sqlite://", "triage", "eval", str(data), "--labels", "spam=fraud_scams,ham=")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("flag: 4 rows, accuracy 1.000")
    assert "fraud_scams" in out and "AUPRC" in out and "reports/s" in out
    assert "false-positive rate on benign look-alikes: 0.000" in out


@pytest.mark.parametrize(
    ("rows", "args", "expected"),
    [
        (
            [{"text": "x", "label": "odd"}],
            ["--labels", "spam=fraud_scams"],
            ":1: label label='odd' is not in the mapping",
        ),
        (
            [{"text": "x", "label": "spam"}],
            ["--labels", "spam=lizards"],
            "unknown harm area(s) lizards",
        ),
        (
            [{"label": "spam"}],
            ["--labels", "spam=fraud_scams"],
            ":1: each line needs a 'text' string",
        ),
        ([{"text": "x", "label": "spam"}], [], "no label mapping known for this file"),
    ],
)
def test_eval_bad_input_is_one_line(
    tmp_path: Path, rows: list[dict[str, object]], args: list[str], expected: str
) -> None:
    data = write_jsonl(tmp_path / "set.jsonl", rows)
    done = run_cli("sqlite://", "triage", "eval", str(data), *args)
    assert done.returncode != 0
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_train_learns_from_decided_cases_and_promotes_only_if_no_worse(
    runtime: Runtime, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_demo(runtime, reports=300)
    models = tmp_path / "models"
    done = run_cli(db_url, "triage", "train", WATCHFLOOR_TRIAGE_MODEL_DIR=str(models))
    assert done.returncode == 0, done.stderr
    assert "current model on the held-out part" in done.stdout
    assert "candidate model on the held-out part" in done.stdout
    assert "reports of decided cases" in done.stdout
    # Which model wins depends on the data; what was printed and what is in use must agree.
    promoted = "PROMOTED" in done.stdout
    assert promoted != ("KEPT the current model" in done.stdout)
    assert (models / "active.npz").exists() == promoted
    assert len(list((models / "candidates").glob("*.npz"))) == 1

    def train_with(candidate: float, current: float) -> triage.TrainOutcome:
        scores = iter([candidate, current])
        monkeypatch.setattr(triage, "_score", lambda model, examples, name: (next(scores), name))
        with session_scope(runtime.sessions) as session:
            return triage.train(
                session,
                runtime.clock,
                taxonomy=runtime.config.taxonomy,
                model_dir=models,
                data_dir=None,
                mappings=[],
                actor="test",
            )

    better = train_with(0.9, 0.5)
    assert better.promoted
    assert (models / "active.npz").read_bytes() == better.candidate.read_bytes()
    assert triage.model_path(models) == models / "active.npz"
    active = (models / "active.npz").read_bytes()
    worse = train_with(0.5, 0.9)  # a candidate worse than the model in use is kept aside
    assert not worse.promoted and worse.candidate.exists() and worse.candidate != better.candidate
    assert (models / "active.npz").read_bytes() == active


def test_a_subject_with_two_violations_gets_its_next_report_raised(
    client: TestClient, people: dict[str, Person]
) -> None:
    decision = {
        "policy_id": "FR-PHISHING",
        "violation": True,
        "rationale": "Phishing link confirmed against the policy.",
        "actions": [{"kind": "remove_content"}],
    }
    text = "phishing: verify your account here"
    subject = {"kind": "account", "id": "acct-repeat"}
    for n in (1, 2):
        r = client.post(
            "/api/v1/reports",
            json=report(n, text=text, subject=subject),
            headers=people["intake"].headers,
        )
        key = r.json()["case"]
        assert "prior violations" not in " ".join(r.json()["reasons"])
        claimed = client.post("/api/v1/queues/fraud-scams/next", headers=people["analyst"].headers)
        assert claimed.json()["key"] == key
        done = client.post(
            f"/api/v1/cases/{key}/decision", json=decision, headers=people["analyst"].headers
        )
        assert done.status_code == 201, done.text
    r = client.post(
        "/api/v1/reports",
        json=report(3, text=text, subject=subject),
        headers=people["intake"].headers,
    )
    result = r.json()
    assert result["priority"] == "P1"
    assert "subject has 2 prior violations → raised P2 to P1" in result["reasons"]
    case = client.get(f"/api/v1/cases/{result['case']}", headers=people["analyst"].headers).json()
    # The phishing rule names its policy, even though the classifier leads the reasons.
    assert case["suggested_policy"] == "FR-PHISHING"


# Written for this test (never copied from a data set): a hateful post, a reply that argues
# against it, and a plain statement about the same group, in French, German and Spanish.
MULTILINGUAL = {
    "fr": (
        "Les musulmans sont une vermine qui détruit notre pays, il faut tous les expulser.",
        "Non, les musulmans ne sont pas de la vermine. Ce genre de propos est inacceptable.",
        "La mosquée du quartier organise une collecte de vêtements samedi matin.",
    ),
    "de": (
        "Juden sind Ungeziefer und haben in diesem Land nichts verloren.",
        "Juden sind kein Ungeziefer. Solche Sprüche sind widerlich und gehören widersprochen.",
        "Die jüdische Gemeinde lädt am Sonntag zum Tag der offenen Tür ein.",
    ),
    "es": (
        "Las personas trans son unas enfermas y una amenaza para nuestros hijos.",
        "Las personas trans no son ninguna amenaza; decir eso solo alimenta el odio.",
        "Mi prima es una mujer trans y trabaja como enfermera en el hospital.",
    ),
}


@pytest.mark.parametrize("language", sorted(MULTILINGUAL))
def test_hate_in_other_languages_is_placed_and_ranked_above_counter_speech(
    runtime: Runtime, language: str
) -> None:
    engine = runtime.config.triager
    assert isinstance(engine, TriageEngine) and engine.classifier is not None
    hateful, counter, _ = engine.triage_many(
        [TriageInput(t, language=language) for t in MULTILINGUAL[language]]
    )
    assert hateful.harm_area == "hate", hateful.reasons
    assert counter.area_scores["hate"] < hateful.area_scores["hate"]


# What the shipped classifier still gets wrong, measured and kept in view: when one of these
# starts to pass, strict xfail fails the run, so the marker is removed with the fix.
COUNTER_SPEECH_PLACED = pytest.mark.xfail(
    strict=True,
    reason="counter-speech that repeats the slur scores hate 0.90-0.94 (threshold 0.85): "
    "word n-grams see the slur, not the negation",
)


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(lang, marks=COUNTER_SPEECH_PLACED) if lang in {"de", "fr"} else lang
        for lang in sorted(MULTILINGUAL)
    ],
)
def test_counter_speech_in_other_languages_is_not_placed_in_hate(language: str) -> None:
    model = TextClassifier.load(BASE_MODEL)  # the shipped model, whatever rules say
    scores = model.scores([MULTILINGUAL[language][1]])[0]
    assert "hate" not in model.flagged(scores)


# The Spanish neutral sentence naming trans people scored hate 0.87 until the written examples
# (learning.written_examples) added neutral and positive talk about groups in six languages.
@pytest.mark.parametrize("language", sorted(MULTILINGUAL))
def test_a_plain_statement_about_a_group_is_not_placed(language: str) -> None:
    model = TextClassifier.load(BASE_MODEL)  # the shipped model, whatever rules say
    scores = model.scores([MULTILINGUAL[language][2]])[0]
    assert model.flagged(scores) == []
