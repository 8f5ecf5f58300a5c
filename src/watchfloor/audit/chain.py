"""How an audit event is hashed into the chain (pure)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
# The log is this many independent hash chains; an object's events all go to one of them, so
# writers about different objects rarely wait for each other. Fixed: changing it would move
# objects between chains and break verification of what is already written.
CHAINS = 64


def chain_of(object_type: str, object_id: str) -> int:
    """The chain an object's events are appended to."""
    return zlib.crc32(f"{object_type}:{object_id}".encode()) % CHAINS


def canonical(value: Any) -> bytes:
    """One JSON text per value, whatever the key order or the database it came back from."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)


def event_hash(
    *,
    chain: int,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the event's fields and the hash of the event before it in its chain."""
    body = canonical(
        {
            "chain": chain,
            "seq": seq,
            "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "object": [object_type, object_id],
            "before": before,
            "after": after,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body).hexdigest()
