"""The offline text classifier: a score 0-1 for every harm area (multi-label), on the CPU.

Word and character n-grams (TF-IDF) feed one logistic regression per harm area. Character
n-grams read through misspellings and obfuscation ("k1ll", "i d i o t"); word n-grams carry
meaning. It is small (a few MB), fast (thousands of reports a second) and needs no network.

A model is saved as one ``.npz`` file of plain arrays and JSON — never a pickle, so loading a
model file cannot run code. Each model carries its own per-area thresholds, chosen on data it
was not fitted on, and a record of what it was trained on.
"""

from __future__ import annotations

import json
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


def normalise(text: str) -> str:
    """Lower-case, accents and look-alike digits folded; the same for training and scoring."""
    text = text.lower()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return text.translate(_FOLD)


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(
        lowercase=False,  # texts come normalised (see normalise), once for both vectorizers
        ngram_range=(1, 2),
        min_df=2,
        max_features=60_000,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a password
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
        self._words_analyse = self.words.build_analyzer()
        self._chars_analyse = self.chars.build_analyzer()
        self._word_idf, self._char_idf = self.words.idf_, self.chars.idf_
        self._n_words = len(self.words.vocabulary_)
        self._word_cache: dict[str, list[int]] = {}

    def _word_ids(self, text: str) -> list[int]:
        vocabulary = self.words.vocabulary_
        return [j for g in self._words_analyse(text) if (j := vocabulary.get(g)) is not None]

    def _char_ids(self, text: str) -> list[int]:
        """Character n-grams are taken word by word (char_wb), and words repeat: each word's
        n-gram ids are worked out once and kept (up to WORD_CACHE words)."""
        cache, vocabulary, out = self._word_cache, self.chars.vocabulary_, []
        for word in text.split():
            ids = cache.get(word)
            if ids is None:
                ids = [j for g in self._chars_analyse(word) if (j := vocabulary.get(g)) is not None]
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
        fraction of its per-call overhead, which dominates when intake scores one report.
        """
        indptr = [0]
        cols_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        for text in texts:
            text = normalise(text)
            n = 0
            for ids, idf, offset in (
                (self._word_ids, self._word_idf, 0),
                (self._char_ids, self._char_idf, self._n_words),
            ):
                found = ids(text)
                if not found:
                    continue
                cols, tf = np.unique(np.array(found, dtype=np.int64), return_counts=True)
                weights = (1.0 + np.log(tf)) * idf[cols]
                weights /= np.sqrt(weights @ weights)
                cols_parts.append(cols + offset)
                value_parts.append(weights)
                n += len(cols)
            indptr.append(indptr[-1] + n)
        shape = (len(texts), self.coef.shape[1])
        if not cols_parts:
            return sparse.csr_matrix(shape, dtype=np.float32)
        return sparse.csr_matrix(
            (np.concatenate(value_parts).astype(np.float32), np.concatenate(cols_parts), indptr),
            shape=shape,
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
        "vocabulary": {k: int(i) for k, i in v.vocabulary_.items()},
    }


def _restore(state: dict[str, Any], idf: np.ndarray) -> TfidfVectorizer:
    words, chars = _vectorizers()
    v = words if state["analyzer"] == "word" else chars
    v.ngram_range = tuple(state["ngram_range"])
    v.vocabulary_ = state["vocabulary"]
    v.idf_ = idf.astype(np.float32)
    return v
