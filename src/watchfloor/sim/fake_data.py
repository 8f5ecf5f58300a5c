"""Fake but plausible values for the demo: handles, ids, addresses, phone numbers, URLs, images.

Every address, number and domain is in a range reserved for documentation or examples.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import struct
import zlib
from collections.abc import Mapping
from typing import TypeVar

from watchfloor.sim.demo_wording import wording

T = TypeVar("T")

MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.test")
# No 0/o or 1/l, so an id read off a screen cannot be misread.
_ALNUM = "abcdefghijkmnpqrstuvwxyz23456789"
_COLOURS = ((231, 76, 60), (52, 152, 219), (46, 204, 113), (241, 196, 15), (155, 89, 182))


def pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    """One key of `weights`, drawn in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def slug(name: str) -> str:
    """`name` in lower case with runs of anything but letters and digits as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def token(rng: random.Random, size: int) -> str:
    """`size` random lower-case letters and digits."""
    return "".join(rng.choice(_ALNUM) for _ in range(size))


def handle(rng: random.Random) -> str:
    """A made-up account handle such as ``sunny_fox1998`` (without the @)."""
    words = wording()
    digits = rng.choice(("", "", str(rng.randint(1, 99)), str(rng.randint(1985, 2011))))
    first, joiner, second = (
        rng.choice(words.handle_a),
        rng.choice(("", ".", "_")),
        rng.choice(words.handle_b),
    )
    return f"{first}{joiner}{second}{digits}"


def ip_address(rng: random.Random) -> str:
    """An IPv4 address in a documentation range (TEST-NET-2 or TEST-NET-3)."""
    return f"{rng.choice(('203.0.113', '198.51.100'))}.{rng.randint(1, 254)}"


def phone(rng: random.Random) -> str:
    """A phone number reserved for fiction."""
    # 555-01xx (North America) and 020 7946 0xxx (UK).
    if rng.random() < 0.7:
        return f"+1-555-01{rng.randint(0, 99):02d}"
    return f"+44-20-7946-0{rng.randint(0, 999):03d}"


def device_id(rng: random.Random) -> str:
    """A device id as the platform records it."""
    return f"dev-{rng.getrandbits(48):012x}"


def payment_fingerprint(rng: random.Random) -> str:
    """A payment-card fingerprint as the payments system records it."""
    return f"pf_{rng.getrandbits(64):016x}"


def url(rng: random.Random, scammy: bool) -> str:
    """A link to an example domain: a phishing-style one if `scammy`, else a plain file link."""
    words = wording()
    domain = rng.choice(words.example_domains)
    if not scammy:
        host = f"{rng.choice(('files', 'media', 'share', 'cdn', 'forum'))}.{domain}"
        return f"https://{host}/{token(rng, 8)}"
    word, word2 = rng.choice(words.url_words), rng.choice(words.url_words)
    brand = slug(rng.choice(words.brands).split()[0])
    host = rng.choice(
        (f"{brand}-{word}.{domain}", f"{word}-{word2}.test", f"{word}.{brand}-{word2}.test")
    )
    path = rng.choice(
        ("login", "claim", "verify", f"p/{token(rng, 6)}", f"promo?id={rng.randint(100, 99999)}")
    )
    return f"https://{host}/{path}"


def screenshot_base64(rng: random.Random) -> str:
    """A small solid-colour PNG (base64) standing in for a screenshot."""
    return png_base64(rng.choice(_COLOURS), rng.choice((8, 16)))


@functools.cache
def png_base64(rgb: tuple[int, int, int], size: int = 8) -> str:
    """A tiny solid-colour PNG, so file evidence has real bytes without shipping any images."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
    return base64.b64encode(png + chunk(b"IEND", b"")).decode("ascii")
