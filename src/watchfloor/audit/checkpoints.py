"""Signed checkpoints of every audit chain's head, kept outside the database.

A checkpoint says "at this time chain c held n events, the last with hash h", signed with the
audit key. Someone who can write the database but not the checkpoint file (or lacks the key)
cannot delete the newest events and move a head back, or rewrite events, behind the last
checkpoint without the verifier noticing. One JSON object per line, appended, never rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from watchfloor.audit.chain import canonical
from watchfloor.errors import WatchfloorError

# Signed under a prefix of its own, so no audit event's seal can pass for a checkpoint's.
_DOMAIN = b"watchfloor.audit.checkpoint.v1\n"
# Enough of the file's end to hold its last line (64 chains of about 90 bytes each).
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    heads: dict[
        int, tuple[int, str]
    ]  # chain -> (seq, hash) of its last event; empty chains left out
    line: int = 0  # where in its file it was read, for messages


def _signature(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, _DOMAIN + canonical(body), hashlib.sha256).hexdigest()


def _body(at: datetime, heads: dict[int, tuple[int, str]]) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "heads": [[chain, seq, digest] for chain, (seq, digest) in sorted(heads.items())],
    }


def line_for(key: bytes, at: datetime, heads: dict[int, tuple[int, str]]) -> bytes:
    """The signed JSON line of a checkpoint (newline included)."""
    body = _body(at, heads)
    return canonical({**body, "sig": _signature(key, body)}) + b"\n"


def parse(key: bytes, text: bytes, *, line: int = 0) -> Checkpoint:
    """A checkpoint from its line; ValueError naming what is wrong if it is not one we signed."""
    try:
        data = orjson.loads(text)
        body = {"at": data["at"], "heads": data["heads"]}
        sig = data["sig"]
        at = datetime.fromisoformat(body["at"])
        heads = {int(c): (int(s), str(h)) for c, s, h in body["heads"]}
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ValueError("is not a checkpoint line") from None
    if not isinstance(sig, str) or not hmac.compare_digest(sig, _signature(key, body)):
        raise ValueError(
            "does not match its signature: it was edited, or signed with another audit key"
        )
    return Checkpoint(at=at, heads=heads, line=line)


def read_last(path: Path, key: bytes) -> tuple[Checkpoint | None, str | None]:
    """(the file's last checkpoint, None), or (None, what is wrong with the file).

    Every line's signature is checked, not only the last: an edited older line is tampering too.
    """
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        raise WatchfloorError(f"no checkpoint file at {path}") from None
    except OSError as exc:
        raise WatchfloorError(f"cannot read the checkpoint file {path}: {exc.strerror}") from None
    last: Checkpoint | None = None
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            last = parse(key, text, line=number)
        except ValueError as exc:
            return None, f"checkpoint file {path}, line {number} {exc}"
    return last, None


def last_time(path: Path) -> datetime | None:
    """When the file's last checkpoint was taken (unverified: only to know when the next is due)."""
    try:
        with path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL_BYTES))
            tail = f.read().splitlines()
    except FileNotFoundError:
        return None
    for text in reversed(tail):
        try:
            return datetime.fromisoformat(orjson.loads(text)["at"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
    return None


def append(path: Path, line: bytes) -> None:
    """Add a line to the file and wait until it is on disk."""
    try:
        with path.open("ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise WatchfloorError(f"cannot write the checkpoint file {path}: {exc.strerror}") from None
