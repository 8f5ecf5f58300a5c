"""The offline text classifier: a score 0-1 for every harm area (multi-label), on the CPU.

Word and character n-grams (TF-IDF) feed one logistic regression per harm area. Character
n-grams read through misspellings and obfuscation ("k1ll", "i d i o t"); word n-grams carry
meaning. It is small (a few MB), fast (thousands of reports a second) and needs no network.

A model is saved as one ``.npz`` file of plain arrays and JSON — never a pickle, so loading a
model file cannot run code. Each model carries its own per-area thresholds, chosen on data it
was not fitted on, and a record of what it was trained on.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

FORMAT = "watchfloor-text-classifier/1"
WORD_CACHE = 200_000
# Leetspeak and look-alike characters, so "k1ll" and "ki11" read as "kill".
_FOLD = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# The marks folded away: accents on Latin, Greek and Cyrillic letters, and the optional vowel
# points of Arabic and Hebrew, which most writers leave out. The marks of Indic scripts are
# kept: a Devanagari vowel sign or virama is part of how a word is spelt ("क्या" is not "कया").
_ACCENTS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670]"
)


def normalise(text: str) -> str:
    """Lower-case, accents and look-alike digits folded; the same for training and scoring."""
    text = text.lower()
    if not text.isascii():
        decomposed = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
        text = unicodedata.normalize("NFC", decomposed)
    return text.translate(_FOLD)


def _marks() -> str:
    """Every combining mark (Unicode M*) of the Basic Multilingual Plane, as a regex class body:
    Python's \\w leaves them out, and would cut a Hindi word at each vowel sign."""
    ranges: list[list[int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code))[0] == "M":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if b > a else f"\\u{a:04x}" for a, b in ranges)


# Chinese and Japanese are written without spaces: each ideograph or kana is a word token (so
# word bigrams are character pairs); every other script's words are runs of letters, digits and
# marks. Character n-grams (char_wb) read the unbroken runs as they are.
_CJK = "\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
_WORD = f"[^\\W{_CJK}]"  # a letter or digit that is not CJK
TOKEN_PATTERN = f"[{_CJK}]|{_WORD}+(?:[{_marks()}]+{_WORD}*)*"
# What models saved before TOKEN_PATTERN split words by (they keep reading their own way).
OLD_TOKEN_PATTERN = r"(?u)\b\w+\b"  # noqa: S105 - a regex, not a password


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(
        lowercase=False,  # texts come normalised (see normalise), once for both vectorizers
        ngram_range=(1, 2),
        min_df=2,
        max_features=60_000,
        sublinear_tf=True,
        token_pattern=TOKEN_PATTERN,
        dtype=np.float32,
    )
    chars = TfidfVectorizer(
        lowercase=False,
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=3,
        max_features=80_000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return words, chars


@dataclass
class TextClassifier:
    """Scores texts against harm areas. ``fit`` trains; ``save``/``load`` keep it on disk."""

    areas: list[str]
    words: TfidfVectorizer
    chars: TfidfVectorizer
    coef: np.ndarray  # (areas, features) float32
    intercept: np.ndarray  # (areas,)
    thresholds: dict[str, float]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # (features, areas) in one block: a sparse row times it is microseconds, while a
        # transposed view would be copied (megabytes) on every call.
        self._by_feature = np.ascontiguousarray(self.coef.T)
        self._tokens = re.compile(self.words.token_pattern).findall
        self._words_analyse = self.words.build_analyzer()
        self._chars_analyse = self.chars.build_analyzer()
        self._idf = np.concatenate([self.words.idf_, self.chars.idf_])
        self._n_words = len(self.words.vocabulary_)
        self._word_cache: dict[str, list[int]] = {}

    def _word_ids(self, text: str) -> list[int]:
        """Word unigram and bigram ids, as the fitted word analyzer gives them (its tokens, no
        preprocessing or stop words), without its per-call overhead."""
        vocabulary = self.words.vocabulary_
        if tuple(self.words.ngram_range) != (1, 2):
            return [j for g in self._words_analyse(text) if (j := vocabulary.get(g)) is not None]
        tokens = self._tokens(text)
        ids = [j for t in tokens if (j := vocabulary.get(t)) is not None]
        pairs = itertools.pairwise(tokens)
        ids += [j for a, b in pairs if (j := vocabulary.get(f"{a} {b}")) is not None]
        return ids

    def _char_ids(self, text: str) -> list[int]:
        """Character n-grams are taken word by word (char_wb), and words repeat: each word's
        n-gram columns (after the word columns) are worked out once and kept (up to WORD_CACHE
        words)."""
        cache, vocabulary, out = self._word_cache, self.chars.vocabulary_, []
        offset = self._n_words
        for word in text.split():
            ids = cache.get(word)
            if ids is None:
                analysed = self._chars_analyse(word)
                ids = [j + offset for g in analysed if (j := vocabulary.get(g)) is not None]
                if len(cache) >= WORD_CACHE:
                    cache.clear()
                cache[word] = ids
            out.extend(ids)
        return out

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[frozenset[str]],
        areas: Sequence[str],
        *,
        weights: Sequence[float] | None = None,
        c: float = 8.0,
    ) -> TextClassifier:
        """Fit one logistic regression per area; areas with no positive example score 0."""
        words, chars = _vectorizers()
        texts = [normalise(t) for t in texts]
        x = sparse.hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        w = np.asarray(weights, dtype=np.float64) if weights is not None else None
        coef = np.zeros((len(areas), x.shape[1]), dtype=np.float32)
        intercept = np.full(len(areas), -20.0, dtype=np.float32)
        for i, area in enumerate(areas):
            y = np.fromiter((area in ls for ls in labels), dtype=bool, count=len(labels))
            if y.sum() < 2:
                continue
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            model.fit(x, y, sample_weight=w)
            coef[i] = model.coef_[0]
            intercept[i] = model.intercept_[0]
        return cls(list(areas), words, chars, coef, intercept, dict.fromkeys(areas, 0.5))

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, areas) probabilities."""
        if not texts:
            return np.zeros((0, len(self.areas)), dtype=np.float32)
        x = self.features(texts)
        z = np.asarray(x @ self._by_feature) + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return probabilities.astype(np.float32)

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The TF-IDF rows of ``texts``, as the fitted vectorizers would give them.

        Built directly (sub-linear term frequency, times IDF, unit length per vectorizer) from
        the vectorizers' analyzers and vocabularies: the same numbers as ``transform`` at a
        fraction of its per-call overhead, which dominates when intake scores one report. The
        arithmetic is done once for the whole batch, not text by text.
        """
        found: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            text = normalise(text)
            before = len(found)
            found += self._word_ids(text)
            found += self._char_ids(text)
            lengths[i] = len(found) - before
        n_features = self.coef.shape[1]
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keys, tf = np.unique(
            rows * n_features + np.array(found, dtype=np.int64), return_counts=True
        )
        rows, cols = np.divmod(keys, n_features)
        weights = (1.0 + np.log(tf)) * self._idf[cols]
        # Each vectorizer's part of a row has unit length, as each TfidfVectorizer gives it.
        part = rows * 2 + (cols >= self._n_words)
        weights /= np.sqrt(np.bincount(part, weights * weights, minlength=2 * len(texts)))[part]
        indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
        return sparse.csr_matrix(
            (weights.astype(np.float32), cols, indptr), shape=(len(texts), n_features)
        )

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every area's score."""
        raw = self.raw_scores(texts)
        return [dict(zip(self.areas, row.tolist(), strict=True)) for row in raw]

    def flagged(self, scores: dict[str, float]) -> list[str]:
        """The areas whose score reaches the area's threshold, highest first."""
        hits = [a for a, s in scores.items() if s >= self.thresholds.get(a, 1.0)]
        return sorted(hits, key=lambda a: -scores[a])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "areas": self.areas,
            "thresholds": self.thresholds,
            "info": self.info,
            "words": _vectorizer_state(self.words),
            "chars": _vectorizer_state(self.chars),
        }
        keep = np.flatnonzero(np.any(self.coef != 0, axis=0))
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            words_idf=self.words.idf_.astype(np.float32),
            chars_idf=self.chars.idf_.astype(np.float32),
            coef=self.coef[:, keep].astype(np.float16),
            coef_columns=keep.astype(np.int32),
            n_features=np.array([self.coef.shape[1]]),
            intercept=self.intercept,
        )
        tmp.replace(path)  # a reader never sees half a model

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path} is not a {FORMAT} model")
            words = _restore(meta["words"], data["words_idf"])
            chars = _restore(meta["chars"], data["chars_idf"])
            coef = np.zeros((len(meta["areas"]), int(data["n_features"][0])), dtype=np.float32)
            coef[:, data["coef_columns"]] = data["coef"].astype(np.float32)
            return cls(
                list(meta["areas"]),
                words,
                chars,
                coef,
                data["intercept"].astype(np.float32),
                {k: float(v) for k, v in meta["thresholds"].items()},
                dict(meta["info"]),
            )


def _vectorizer_state(v: TfidfVectorizer) -> dict[str, Any]:
    return {
        "analyzer": v.analyzer,
        "ngram_range": list(v.ngram_range),
        "token_pattern": v.token_pattern,
        "vocabulary": {k: int(i) for k, i in v.vocabulary_.items()},
    }


def _restore(state: dict[str, Any], idf: np.ndarray) -> TfidfVectorizer:
    words, chars = _vectorizers()
    v = words if state["analyzer"] == "word" else chars
    v.ngram_range = tuple(state["ngram_range"])
    if v.analyzer == "word":
        v.token_pattern = state.get("token_pattern", OLD_TOKEN_PATTERN)
    v.vocabulary_ = state["vocabulary"]
    v.idf_ = idf.astype(np.float32)
    return v
