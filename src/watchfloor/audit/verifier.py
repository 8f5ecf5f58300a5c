"""Walk the audit chains in one snapshot and name the first event edited, removed or added."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from watchfloor.audit.chain import CHAINS, GENESIS, SEAL_KEYED, SEAL_PLAIN, event_hash
from watchfloor.audit.checkpoints import Checkpoint
from watchfloor.audit.models import AuditChainHead, AuditEvent


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    seq: int | None = None
    keyed: int = 0  # events sealed with the audit key
    plain: int = 0  # events written before the keyed seal existed (plain SHA-256)


@dataclass
class _Walk:
    count: int = 0
    keyed: int = 0
    prev: str = GENESIS


_EVENT_COLUMNS = [c for c in AuditEvent.__table__.c]


def _events(conn: Connection, chain: int, batch: int = 5000) -> Iterator[Row[Any]]:
    last = 0
    while True:
        chunk = conn.execute(
            select(*_EVENT_COLUMNS)
            .where(AuditEvent.chain == chain, AuditEvent.seq > last)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def heads(conn: Connection) -> dict[int, tuple[int, str]]:
    """Every chain's head (seq, hash) as this connection sees them."""
    rows = conn.execute(select(AuditChainHead.id, AuditChainHead.seq, AuditChainHead.hash))
    return {chain: (seq, digest) for chain, seq, digest in rows}


def verify_chains(
    conn: Connection, *, key: bytes, checkpoint: Checkpoint | None = None
) -> VerifyResult:
    """Check every chain as ``conn`` sees it (one snapshot), against ``checkpoint`` if given."""
    written = heads(conn)
    total = keyed = 0
    for chain in range(CHAINS):
        head = written.get(chain, (0, GENESIS))
        pinned = checkpoint.heads.get(chain) if checkpoint else None
        walk = _Walk()
        problem = _walk_chain(conn, chain, key, pinned, walk)
        if problem is None:
            problem = _check_end(chain, head, walk, pinned, checkpoint)
        if problem is not None:
            return VerifyResult(
                False, total + walk.count, problem[0], problem[1], keyed + walk.keyed
            )
        total += walk.count
        keyed += walk.keyed
    return VerifyResult(True, total, keyed=keyed, plain=total - keyed)


def _walk_chain(
    conn: Connection, chain: int, key: bytes, pinned: tuple[int, str] | None, walk: _Walk
) -> tuple[str, int] | None:
    for ev in _events(conn, chain):
        where = (
            f"event #{ev.id} (chain {chain}, #{ev.seq}: {ev.action} on "
            f"{ev.object_type} {ev.object_id})"
        )
        expected = walk.count + 1
        if ev.seq != expected:
            return (
                f"chain {chain}: event #{expected} is missing: the chain jumps from "
                f"#{expected - 1} to #{ev.seq} (deleted)",
                expected,
            )
        if ev.prev_hash != walk.prev:
            return f"{where} does not follow the event before it", ev.seq
        if ev.seal not in (SEAL_PLAIN, SEAL_KEYED):
            return f"{where} has an unknown seal {ev.seal}", ev.seq
        if ev.seal == SEAL_PLAIN and walk.keyed:
            # Once a chain is keyed every later event is: a plain one after it was rewritten by
            # someone without the key.
            return (
                f"{where} is not sealed with the key although earlier ones are: rewritten",
                ev.seq,
            )
        digest = event_hash(
            chain=chain,
            seq=ev.seq,
            occurred_at=ev.occurred_at,
            actor=ev.actor,
            action=ev.action,
            object_type=ev.object_type,
            object_id=ev.object_id,
            before=ev.before,
            after=ev.after,
            prev_hash=ev.prev_hash,
            key=key if ev.seal == SEAL_KEYED else None,
        )
        if digest != ev.hash:
            return (
                f"{where} does not match its seal: edited after it was written (or "
                "WATCHFLOOR_AUDIT_KEY is not the key it was sealed with)",
                ev.seq,
            )
        if pinned is not None and ev.seq == pinned[0] and ev.hash != pinned[1]:
            return f"{where} is not the event the last checkpoint saw: rewritten", ev.seq
        walk.prev, walk.count = ev.hash, walk.count + 1
        walk.keyed += ev.seal == SEAL_KEYED
    return None


def _check_end(
    chain: int,
    head: tuple[int, str],
    walk: _Walk,
    pinned: tuple[int, str] | None,
    checkpoint: Checkpoint | None,
) -> tuple[str, int] | None:
    if head != (walk.count, walk.prev):
        return (
            f"chain {chain} ends at event #{walk.count} but {head[0]} were written: "
            f"events after #{walk.count} were deleted",
            walk.count + 1,
        )
    if pinned is not None and checkpoint is not None and walk.count < pinned[0]:
        return (
            f"chain {chain} ends at event #{walk.count} but the checkpoint of "
            f"{checkpoint.at.isoformat()} (line {checkpoint.line}) saw #{pinned[0]}: events "
            f"after #{walk.count} were deleted and the chain's head moved back",
            walk.count + 1,
        )
    return None
