"""Hashes of evidence bytes: exact (SHA-256, MD5) and perceptual (PDQ) for images (pure).

PDQ is Meta's open photo hash: 256 bits, compared by Hamming distance. Two images at distance
31 or less are, by the PDQ standard, the same picture (resized, re-encoded, lightly edited).
A PDQ hash with quality below 50 comes from an image too flat to hash reliably (a blank
or near-uniform picture) and is never matched.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

Algorithm = Literal["sha256", "md5", "pdq"]
ALGORITHMS: tuple[Algorithm, ...] = ("sha256", "md5", "pdq")
ALGORITHM_TITLES: dict[str, str] = {"sha256": "SHA-256", "md5": "MD5", "pdq": "PDQ"}
HEX_LENGTHS: dict[str, int] = {"sha256": 64, "md5": 32, "pdq": 64}

PDQ_MATCH_THRESHOLD = 31  # the PDQ standard's distance for a confident match
PDQ_MIN_QUALITY = 50  # PDQ convention: hashes of lower quality are too unreliable to match
PDQ_BITS = 256

_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class EvidenceHashes:
    """The hashes of one piece of evidence; ``pdq`` is None when the bytes are not an image."""

    sha256: str
    md5: str
    pdq: str | None = None
    pdq_quality: int | None = None

    @property
    def pdq_matchable(self) -> bool:
        """Whether the PDQ hash is good enough to match on (quality at least PDQ_MIN_QUALITY)."""
        return self.pdq is not None and (self.pdq_quality or 0) >= PDQ_MIN_QUALITY


def compute(data: bytes) -> EvidenceHashes:
    """SHA-256 and MD5 of ``data``; and PDQ with its quality when ``data`` decodes as an image."""
    pdq = pdq_of(data)
    return EvidenceHashes(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        pdq=pdq[0] if pdq else None,
        pdq_quality=pdq[1] if pdq else None,
    )


def pdq_of(data: bytes) -> tuple[str, int] | None:
    """(PDQ as 64 hex characters, quality 0-100) of an image file; None when it is no image
    Pillow can decode (text, PDF, a truncated or corrupt file, a decompression bomb)."""
    try:
        with warnings.catch_warnings():
            # Past Pillow's pixel limit it warns, past twice the limit it raises: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                # pdqhash wants an HxWx3 uint8 array: RGB covers palette, grey, alpha, CMYK, 16-bit.
                pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    if pixels.ndim != 3 or min(pixels.shape[:2]) < 1:
        return None
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def normalise(algorithm: str, value: str) -> str:
    """``value`` as stored: lower-case hex of the right length; ValueError naming what is wrong."""
    if algorithm not in HEX_LENGTHS:
        raise ValueError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    clean = value.strip().lower()
    want = HEX_LENGTHS[algorithm]
    if len(clean) != want or not _HEX.match(clean):
        raise ValueError(
            f"{value.strip()[:80]!r} is not a {ALGORITHM_TITLES[algorithm]} hash "
            f"({want} hexadecimal characters)"
        )
    return clean


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes of the same length."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths cannot be compared")
    return (int(a, 16) ^ int(b, 16)).bit_count()


class PdqIndex:
    """PDQ hashes held as an N-by-4 array of 64-bit words, so one query is a vectorised XOR and
    popcount over all of them: a few milliseconds for 100,000 hashes, no prefilter needed."""

    def __init__(self, hashes: list[str]) -> None:
        raw = b"".join(bytes.fromhex(h) for h in hashes)
        self._words = np.frombuffer(raw, dtype=">u8").reshape(len(hashes), 4).astype(np.uint64)

    def __len__(self) -> int:
        return int(self._words.shape[0])

    def within(self, query: str, threshold: int = PDQ_MATCH_THRESHOLD) -> list[tuple[int, int]]:
        """(position, distance) of every hash at distance ``threshold`` or less, nearest first."""
        if not len(self):
            return []
        q = np.frombuffer(bytes.fromhex(query), dtype=">u8").astype(np.uint64)
        distances = np.bitwise_count(self._words ^ q).sum(axis=1, dtype=np.int64)
        hits = np.flatnonzero(distances <= threshold)
        return sorted(((int(i), int(distances[i])) for i in hits), key=lambda h: (h[1], h[0]))
