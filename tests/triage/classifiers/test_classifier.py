"""The offline classifier: its fast feature path equals scikit-learn's, and models round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from watchfloor.triage.classifiers.first_stage import TextClassifier, _vectorizers, normalise
from watchfloor.triage.service import BASE_MODEL

TEXTS = [
    "Your account is suspended, verify your password at http://secure-login.example",
    "I could kill for a coffee right now",
    "Ünïcödé Wörds and l33t sp34k: k1ll, $c4m",
    "",
    "   spaced \t out \n text  ",
    "the same word the same word the same word",
    # Scripts the multilingual sets are written in (Hindi, Arabic, Mandarin), in our own words.
    "मुझे इस खाते से धमकी भरे संदेश मिल रहे हैं",
    "هذا الحساب يرسل رسائل تهديد إلى أختي",
    "这个账号一直给我发骚扰信息",
]


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    return TextClassifier.load(BASE_MODEL)


def test_fast_features_equal_the_fitted_vectorizers(model: TextClassifier) -> None:
    texts = [*TEXTS, *TEXTS]  # the second time through, from the per-word cache
    normalised = [normalise(t) for t in texts]
    expected = sparse.hstack([model.words.transform(normalised), model.chars.transform(normalised)])
    np.testing.assert_allclose(model.features(texts).toarray(), expected.toarray(), atol=1e-6)


def test_normalise_folds_case_accents_and_look_alike_digits() -> None:
    assert normalise("K1LL Ünïcödé $c4m") == "kill unicode scam"
    # Full-width letters and ligatures too.
    assert normalise("\uff46\uff55\uff4c\uff4c \ufb01ne") == "full fine"


def test_normalise_keeps_how_other_scripts_are_spelt() -> None:
    # A Devanagari virama or vowel sign is spelling, not an accent: "क्या" must not become "कया".
    assert normalise("क्या तुम ठीक हो") == "क्या तुम ठीक हो"
    # Arabic's optional vowel points and hamza seats fold, as most writers leave them out.
    assert normalise("أَنا") == "انا"
    assert normalise("我讨厌你") == "我讨厌你"


def test_words_of_every_script_are_read_whole() -> None:
    words = _vectorizers()[0].build_analyzer()
    assert words(normalise("मुझे धमकी")) == ["मुझे", "धमकी", "मुझे धमकी"]
    assert words(normalise("هذا تهديد")) == ["هذا", "تهديد", "هذا تهديد"]
    # No spaces in Chinese: each character is a word, so word pairs are character pairs.
    assert words("骚扰我") == ["骚", "扰", "我", "骚 扰", "扰 我"]


def test_scores_every_area_and_flags_against_its_thresholds(model: TextClassifier) -> None:
    scores = model.scores(["WINNER!! claim your 1000 pound prize now, call 09061701461"])[0]
    assert set(scores) == set(model.areas)
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    assert model.flagged(scores)[0] == "fraud_scams"
    assert model.scores([]) == []


def test_a_saved_model_loads_to_the_same_scores(model: TextClassifier, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    again = TextClassifier.load(path)
    assert again.thresholds == model.thresholds and again.areas == model.areas
    np.testing.assert_allclose(again.raw_scores(TEXTS), model.raw_scores(TEXTS), atol=1e-6)


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, meta=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="is not a watchfloor-text-classifier/1 model"):
        TextClassifier.load(path)
