"""MinHash signatures of report text and their LSH band keys, for finding near-duplicates (pure).

Two texts' *resemblance* is the Jaccard similarity of their sets of word 3-shingles (three words in
a row). A MinHash signature of PERMUTATIONS values estimates it: the share of positions where two
signatures agree. Locality-sensitive hashing cuts a signature into BANDS of ROWS values and hashes
each band to one key; texts that share any key become candidates, which are then checked on their
whole signatures. With 32 bands of 4 rows, texts at resemblance 0.6 share a key with probability
1 - (1 - 0.6**4)**32 ≈ 0.99, at 0.5 ≈ 0.87, at 0.2 ≈ 0.05: thresholds from about 0.5 up are found.

Everything here is stable across processes and machines (no salted ``hash()``), because keys are
stored and compared with keys computed later: changing the hashing means re-indexing.
"""

from __future__ import annotations

import hashlib
import re
import struct

PERMUTATIONS = 128
BANDS = 32
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
# Fewer words than this says too little to tie a report to a campaign ("scam!!", "see above").
MIN_WORDS = 8
# A very long text adds no evidence after its first few thousand words, only cost.
MAX_WORDS = 1000

_PACK = struct.Struct(f"<{PERMUTATIONS}I")

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")


def words(text: str) -> list[str]:
    """Lower-cased words, with every number written as 0: a campaign's templates differ in
    amounts, phone numbers and order ids, not in what they say."""
    return [_DIGITS.sub("0", w) for w in _WORD.findall(text.casefold())[:MAX_WORDS]]


def shingles(text: str) -> set[str]:
    """The text's word 3-shingles; empty if the text is too short to be evidence of a campaign."""
    ws = words(text)
    if len(ws) < MIN_WORDS:
        return set()
    return {" ".join(ws[i : i + SHINGLE]) for i in range(len(ws) - SHINGLE + 1)}


def signature(text: str) -> bytes | None:
    """The text's MinHash signature, packed (PERMUTATIONS 32-bit values); None if too short.

    Each shingle gets PERMUTATIONS independent 32-bit hashes from one SHAKE-128 call, and the
    signature keeps the least at each position: plain k-hash MinHash, with the loops in C.
    """
    found = shingles(text)
    if not found:
        return None
    hashes = [_PACK.unpack(hashlib.shake_128(s.encode()).digest(_PACK.size)) for s in found]
    return _PACK.pack(*map(min, zip(*hashes, strict=True)))


def band_keys(sig: bytes) -> list[int]:
    """One signed 64-bit key per band; each key also encodes its band's number."""
    keys = []
    width = ROWS * 4
    for band in range(BANDS):
        chunk = sig[band * width : (band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8, salt=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def resemblance(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    same: int = sum(x == y for x, y in zip(_PACK.unpack(a), _PACK.unpack(b), strict=True))
    return same / PERMUTATIONS
