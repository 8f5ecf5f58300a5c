"""The second stage as the worker uses it: the shipped model loads with no network; with the first
stage (the second look acts on the blend of both) reports written as people write them (in
English, French, Spanish and German) end up in the right harm area and look-alikes nowhere; it
gives the same scores every time, and refuses a broken artifact."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from watchfloor.runtime import Config, load_config
from watchfloor.settings import Settings
from watchfloor.triage.classifiers.language import detect_language
from watchfloor.triage.classifiers.second_stage import (
    ARTIFACT,
    FORMAT,
    SecondStage,
    SecondStageUnavailable,
    load_second_stage,
    read,
)
from watchfloor.triage.rules.engine import TriageInput
from watchfloor.triage.second_look import decision as sl


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    """No model hub, no network: any attempt to connect fails the test."""
    saved = socket.socket.connect

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the second stage tried to use the network")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", refuse)
        yield
    assert socket.socket.connect is saved


@pytest.fixture(scope="module")
def model(offline: None) -> SecondStage:
    loaded = load_second_stage()
    assert loaded is not None, "the shipped second stage did not load"
    return loaded


def test_the_shipped_model_says_what_it_is_and_was_trained_on(model: SecondStage) -> None:
    assert "use-multilingual-v3" in model.name
    assert set(model.thresholds) == set(model.areas)
    assert "unclassified" not in model.areas
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())
    # The second look acts on the blend of both stages, with thresholds of its own.
    assert set(model.blend_thresholds) == set(model.areas)
    assert all(0.0 < t < 1.0 for t in model.blend_thresholds.values())
    info = model.info
    assert "dev split" in info["blend_thresholds_from"]
    assert "first stage's design" in info["blend_thresholds_from"]
    assert info["sealed_rows_used"] == 0
    assert "multilingual_hatecheck" in info["public_sets"]
    # Hate is the one area learned in other languages (Multilingual HateCheck).
    assert model.multilingual_areas == ["hate"]
    assert info["examples_by_source"]["demo"] > 0


PARAM = type(pytest.param(""))

# Known misses of the cascade (the shipped first stage, then the second look on the blend of
# both stages), kept as strict expected failures so a better model shows up as an unexpected
# pass.
THREAT_READ_AS_HARASSMENT = pytest.mark.xfail(
    strict=True,
    reason="neither stage reads it as a threat: the second stage scores harassment above "
    "violence_threats (Davidson's offensive tweets, learned as harassment, pull it there)",
)
SPANISH_VEILED_GOODBYE = pytest.mark.xfail(
    strict=True,
    reason="a veiled goodbye (no will to go on, saying goodbye tonight) with no word for suicide: "
    "the second stage scores self_harm 0.16 in Spanish, under its threshold (0.925)",
)
ITALIAN_SHOPPING_READ_AS_SELF_HARM = pytest.mark.xfail(
    strict=True,
    reason="in another language the second stage decides alone, and it scores self_harm 0.99 on "
    "an Italian shopping plan (threshold 0.925): besides Multilingual HateCheck's rows about "
    "groups, it has seen some 20 benign texts per language",
)
KIDS_PHOTOS_READ_AS_ABUSE = pytest.mark.xfail(
    strict=True,
    reason="the first stage itself places it in child_safety at P1; the second stage agrees "
    "(0.98): no benign text about children's photos in training",
)

HARMFUL = [
    # (report, the area it belongs in)
    pytest.param(
        "My ex keeps texting me that he will come round tonight and stab me in front of my kids",
        "violence_threats",
        marks=THREAT_READ_AS_HARASSMENT,
    ),
    ("He messaged me that he will kill my dad after the game on Saturday", "violence_threats"),
    (
        "my friend posted that she's been cutting herself again and wants to end her life "
        "this weekend, please someone help her",
        "self_harm",
    ),
    (
        "This account posts every day that Muslims are vermin who should be driven out of the "
        "country",
        "hate",
    ),
    (
        "Got a text pretending to be my bank with a link asking for my card number and PIN to "
        "unlock my account",
        "fraud_scams",
    ),
    # In another language the second stage decides alone (decision.place_blended): the first
    # stage scores these nothing, so the blend would halve the second stage's score.
    (
        "Il m'a envoyé un message disant qu'il viendrait chez moi ce soir pour me tuer avec "
        "un couteau",
        "violence_threats",
    ),
    (
        "Este usuario publica que los inmigrantes son ratas y que habría que echarlos a todos",
        "hate",
    ),
    (
        "Ich habe eine SMS angeblich von meiner Bank bekommen, die meine PIN und Kartennummer "
        "verlangt, sonst wird mein Konto gesperrt",
        "fraud_scams",
    ),
    # Missed (0.40) until the written examples taught "quitarse la vida"; the next one, with no
    # word for suicide at all, is still missed.
    ("Mi amiga dice que se va a quitar la vida esta noche y no sé qué hacer", "self_harm"),
    pytest.param(
        "Mi hermano dice que ya no le quedan ganas de seguir y que esta noche se despide de todos",
        "self_harm",
        marks=SPANISH_VEILED_GOODBYE,
    ),
    ("Mon amie dit qu'elle veut se suicider ce soir, je ne sais pas quoi faire", "self_harm"),
    (
        "Recebi uma mensagem falsa do banco pedindo a minha senha e o número do cartão",
        "fraud_scams",
    ),
]

BENIGN = [
    "I absolutely killed it at my presentation today, the whole room was laughing",
    "How do I kill a Python process that hangs when I close the terminal?",
    "My bank sent me a letter about the new opening hours of the branch",
    pytest.param(
        "The school photos of the kids arrived today and they look lovely",
        marks=KIDS_PHOTOS_READ_AS_ABUSE,
    ),
    "Ce film m'a tué de rire, je le recommande à tout le monde",
    "Mi abuela prepara la mejor paella del barrio los domingos",
    "Wir haben gestern im Park Fußball gespielt und danach gegrillt",
    pytest.param(
        "Domani vado al mercato a comprare frutta e verdura per tutta la settimana",
        marks=ITALIAN_SHOPPING_READ_AS_SELF_HARM,
    ),
    "Meu filho aprendeu a andar de bicicleta no parque hoje de manhã",
    "Le tueur du film d'horreur d'hier soir m'a fait peur, quel bon film",
]


@pytest.fixture(scope="module")
def config(offline: None) -> Config:
    return load_config(Settings(environment="test"))


def cascade(config: Config, model: SecondStage, text: str) -> tuple[set[str], str]:
    """The harm areas a report ends up in after intake's first stage and the worker's second
    look (which acts on the blend of both stages' scores, or on the second stage's alone for a
    report in another language), and the second look's reason."""
    (r,) = config.triager.triage_many([TriageInput(text)])
    detected = detect_language(text)  # as intake records it on the report
    first = sl.FirstStage(
        r.harm_area,
        r.priority,
        dict(r.area_scores),
        flags=tuple(r.flags),
        language=detected.code if detected and detected.trusted else None,
    )
    severities = {a.id: a.default_priority for a in config.taxonomy.harm_areas}
    placement = sl.place_blended(
        first,
        model.scores([text])[0],
        blend_thresholds=model.blend_thresholds,
        second_thresholds=model.thresholds,
        severities=severities,
        multilingual_areas=model.multilingual_areas,
    )
    verdict = sl.judge(first, placement, model=model.name)
    placed = set(r.harm_areas) - {"unclassified"}
    if verdict.outcome == "more_urgent" and verdict.placement is not None:
        placed.add(verdict.placement.area)
    return placed, verdict.reason


@pytest.mark.parametrize(("text", "area"), HARMFUL)
def test_a_harmful_report_is_placed_in_its_area(
    config: Config, model: SecondStage, text: str, area: str
) -> None:
    placed, why = cascade(config, model, text)
    assert area in placed, (placed, why)


@pytest.mark.parametrize("text", BENIGN)
def test_a_look_alike_is_placed_nowhere(config: Config, model: SecondStage, text: str) -> None:
    placed, why = cascade(config, model, text)
    assert placed == set(), (why, {a: round(s, 3) for a, s in model.scores([text])[0].items()})


def test_scores_are_the_same_every_time_and_in_any_batch(model: SecondStage) -> None:
    texts = [p.values[0] if isinstance(p, PARAM) else p[0] for p in HARMFUL]
    texts += [p if isinstance(p, str) else p.values[0] for p in BENIGN]
    first = model.raw_scores(texts)
    assert np.array_equal(first, model.raw_scores(texts))
    alone = np.vstack([model.raw_scores([t]) for t in texts])
    np.testing.assert_allclose(alone, first, atol=1e-5)
    assert model.scores([]) == []


def test_an_empty_or_very_long_report_still_gets_scores(model: SecondStage) -> None:
    long_report = "He said he would hurt me. " * 5000
    scores = model.scores(["", "   ", long_report])
    assert all(set(s) == set(model.areas) for s in scores)
    assert all(0.0 <= v <= 1.0 for s in scores for v in s.values())


# --- a broken or missing artifact ---------------------------------------------------------------


class TinyEmbedder:
    """A stand-in embedder for the artifact tests: three numbers a text, no model."""

    name = "use-multilingual-v3"
    version = "test"
    dimensions = 3

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[len(t), t.count("!"), 1.0] for t in texts], dtype=np.float32)


def tiny_model() -> SecondStage:
    return SecondStage(
        name="tiny",
        areas=["hate", "spam_manipulation"],
        embedder=TinyEmbedder(),
        coef=np.array([[0.0, 0.0, 0.0], [0.0, 2.0, -1.0]], dtype=np.float32),
        intercept=np.array([-5.0, 0.0], dtype=np.float32),
        thresholds={"hate": 0.5, "spam_manipulation": 0.6},
        blend_thresholds={"hate": 0.4, "spam_manipulation": 0.45},
        multilingual_areas=["hate"],
        info={"examples": 2},
    )


def test_a_saved_model_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "second.npz"
    tiny_model().save(path)
    again = read(path, embedder=TinyEmbedder())
    assert again.thresholds == {"hate": 0.5, "spam_manipulation": 0.6}
    assert again.blend_thresholds == {"hate": 0.4, "spam_manipulation": 0.45}
    assert again.multilingual_areas == ["hate"]
    assert again.info == {"examples": 2}
    assert again.flagged(again.scores(["buy now!!!"])[0]) == ["spam_manipulation"]
    assert again.flagged(again.scores(["hello"])[0]) == []


def test_a_missing_artifact_gives_none_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="watchfloor.triage.classifiers.second_stage"):
        assert load_second_stage(tmp_path / "nowhere.npz") is None
    assert "no second-stage model there" in caplog.text
    with pytest.raises(SecondStageUnavailable, match="no second-stage model there"):
        read(tmp_path / "nowhere.npz")


def test_a_corrupt_artifact_is_refused_clearly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "second.npz"
    path.write_bytes(b"this is not a model, it was cut short by a full disk")
    with pytest.raises(SecondStageUnavailable, match="not a readable second-stage model"):
        read(path, embedder=TinyEmbedder())
    with caplog.at_level(logging.WARNING, logger="watchfloor.triage.classifiers.second_stage"):
        assert load_second_stage(path) is None
    assert "second stage unavailable" in caplog.text


def test_an_artifact_of_another_kind_or_shape_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    meta = json.dumps({"format": "watchfloor-text-classifier/1"}).encode()
    np.savez(other, meta=np.frombuffer(meta, dtype=np.uint8))
    with pytest.raises(SecondStageUnavailable, match=f"not a {FORMAT} model"):
        read(other, embedder=TinyEmbedder())

    wrong = tmp_path / "wrong.npz"
    tiny_model().save(wrong)

    class Wider(TinyEmbedder):
        dimensions = 512

    with pytest.raises(SecondStageUnavailable, match="do not fit 2 areas of 512-dimensional"):
        read(wrong, embedder=Wider())

    broken = tiny_model()
    broken.coef[0, 0] = np.nan
    broken.save(wrong)
    with pytest.raises(SecondStageUnavailable, match="NaN"):
        read(wrong, embedder=TinyEmbedder())


def test_an_unknown_embedder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "second.npz"
    model = tiny_model()
    model.embedder.name = "some-hub-model"  # type: ignore[misc]
    model.save(path)
    with pytest.raises(SecondStageUnavailable, match="unknown embedder 'some-hub-model'"):
        read(path)


def test_the_artifact_is_plain_arrays(offline: None) -> None:
    with np.load(ARTIFACT, allow_pickle=False) as data:
        assert sorted(data.files) == ["coef", "intercept", "meta"]
        assert all(data[k].dtype != object for k in data.files)


# --- the trainer -------------------------------------------------------------------------------


class KeywordEmbedder:
    """A deterministic stand-in: which of a few words a text has."""

    name = "use-multilingual-v3"
    version = "test"
    words = ("kill", "hurt", "bank", "pin", "lovely", "cake")
    dimensions = len(words)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.array(
            [[float(w in t.lower()) for w in self.words] for t in texts], dtype=np.float32
        )


def test_the_trainer_fits_heads_chooses_thresholds_on_dev_rows_and_records_its_data(
    tmp_path: Path,
) -> None:
    from watchfloor.triage.classifiers.second_stage_training import Row, build
    from watchfloor.triage.evaluation.datasets import Example

    threats = [f"he said he will kill me on day {i}" for i in range(30)]
    scams = [f"they want my bank pin number {i}" for i in range(30)]
    benign = [f"what a lovely cake for party {i}" for i in range(60)]
    rows = [
        Row(Example(t, frozenset(areas)), source, dev=i % 4 == 0)
        for texts, areas, source in (
            (threats, {"violence_threats"}, "seed"),
            (scams, {"fraud_scams"}, "sms_spam"),
            (benign, set(), "demo"),
        )
        for i, t in enumerate(texts)
    ]
    model, table = build(
        rows,
        ["violence_threats", "fraud_scams", "hate"],
        KeywordEmbedder(),
        sets=["sms_spam"],
        cache_dir=None,
        taxonomy_version=1,
        trained_at=datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
    )
    assert "violence_threats" in table and "fraud_scams" in table
    assert model.info["examples_by_source"] == {"demo": 60, "seed": 30, "sms_spam": 30}
    assert model.info["sealed_rows_used"] == 0
    assert model.info["trained_at"] == "2026-12-07T06:00:00+00:00"
    assert model.flagged(model.scores(["I will kill you"])[0]) == ["violence_threats"]
    assert model.flagged(model.scores(["send your bank pin"])[0]) == ["fraud_scams"]
    assert model.flagged(model.scores(["a lovely cake"])[0]) == []
    # An area with no examples never fires.
    assert model.scores(["I will kill you"])[0]["hate"] < 0.01
    path = tmp_path / "second.npz"
    model.save(path)
    again = read(path, embedder=KeywordEmbedder())
    assert again.thresholds == model.thresholds
    assert again.blend_thresholds == model.blend_thresholds
    # No row in another language: no area is blended for a report in one.
    assert model.multilingual_areas == again.multilingual_areas == []
    assert set(model.blend_thresholds) == {"violence_threats", "fraud_scams", "hate"}
    assert "blend: mean of both" in table
    assert "learning.choose_thresholds" in model.info["blend_thresholds_from"]


def test_an_artifact_without_blend_thresholds_still_reads(tmp_path: Path) -> None:
    # Saved before the second look acted on the blend: it loads, with none.
    path = tmp_path / "older.npz"
    older = tiny_model()
    older.blend_thresholds = {}
    older.multilingual_areas = []
    older.save(path)
    again = read(path, embedder=TinyEmbedder())
    assert again.blend_thresholds == {}
    assert again.multilingual_areas == []


def test_the_second_stage_command_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    """`watchfloor triage second-stage` (make second-stage): a missing data folder, an unknown
    embedder and a broken model file are each one line on stderr and exit 1, no traceback."""
    from tests.cli_runner import run_cli

    db = f"sqlite:///{tmp_path / 'ss.db'}"
    env = {"WATCHFLOOR_ENVIRONMENT": "test"}
    data = tmp_path / "data"
    data.mkdir()
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    for args, said in (
        (["--data-dir", str(tmp_path / "nowhere")], "not a directory"),
        (["--data-dir", str(data), "--compare", "bogus"], "unknown embedders ['bogus']"),
        (["--data-dir", str(data), "--evaluate", "--out", str(broken)], "second stage:"),
    ):
        done = run_cli(db, "triage", "second-stage", *args, **env)
        assert done.returncode == 1, done.stdout
        assert said in done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
