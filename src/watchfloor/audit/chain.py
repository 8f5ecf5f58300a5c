"""How an audit event is hashed into the chain (pure)."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
# The log is this many independent hash chains; an object's events all go to one of them, so
# writers about different objects rarely wait for each other. Fixed: changing it would move
# objects between chains and break verification of what is already written.
CHAINS = 64

# How an event's hash was made (AuditEvent.seal). Plain SHA-256 lets anyone who can write the table
# recompute a whole chain after an edit; a keyed seal needs the audit key, which the database
# never holds. Plain events are those written before the keyed seal existed (migration 0015).
SEAL_PLAIN = 0
SEAL_KEYED = 1


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
    key: bytes | None,
) -> str:
    """HMAC-SHA256 under ``key`` (plain SHA-256 when None, for events sealed before the key)
    over the event's fields and the hash of the event before it in its chain."""
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
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()
