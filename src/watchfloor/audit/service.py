"""Writing audit events with the change they record, and verifying the chain.

Services call ``record``; the events are chained and inserted when the session commits, after
everything else, so the chain heads' locks are held only for the final insert and the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

import orjson
from sqlalchemy import Select, Table, event, insert, select
from sqlalchemy.orm import Session

from watchfloor.audit.chain import CHAINS, GENESIS, canonical, chain_of, event_hash
from watchfloor.audit.models import AuditChainHead, AuditEvent
from watchfloor.db import core, dialect_of, in_list

_PENDING = "watchfloor.audit.pending"


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to this unit of work; it is written, chained, when the session commits."""
    # Round-trip through JSON now so the hash covers exactly what the database will give back.
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append(
        {
            "occurred_at": at,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": _jsonable(before),
            "after": _jsonable(after),
        }
    )


def has_pending(session: Session) -> bool:
    """Whether events recorded in this session still wait for its commit."""
    return bool(session.info.get(_PENDING))


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    result: dict[str, Any] = orjson.loads(canonical(value))
    return result


_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))


@cache
def _chain_heads(dialect: str) -> Select[int, int, str]:
    """Some chains' head rows, locked in chain order; built once (every audited write runs it)."""
    return (
        select(AuditChainHead.id, AuditChainHead.seq, AuditChainHead.hash)
        .where(in_list(dialect, AuditChainHead.id, "chains"))
        .order_by(AuditChainHead.id)
        .with_for_update()
    )


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    """Chain and insert this session's pending audit events, holding their chains' head locks."""
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for item in pending:
        by_chain.setdefault(chain_of(item["object_type"], item["object_id"]), []).append(item)
    # Locked in chain order, so two writers never wait for each other in a cycle.
    heads = (
        core(session).execute(_chain_heads(dialect_of(session)), {"chains": sorted(by_chain)}).all()
    )
    found = {chain: (seq, digest) for chain, seq, digest in heads}
    rows = []
    for chain, items in sorted(by_chain.items()):
        if chain not in found:
            raise RuntimeError(f"audit chain {chain} has no head row; run 'watchfloor db upgrade'")
        seq, prev = found[chain]
        for item in items:
            seq += 1
            digest = event_hash(chain=chain, seq=seq, prev_hash=prev, **item)
            rows.append({**item, "chain": chain, "seq": seq, "prev_hash": prev, "hash": digest})
            prev = digest
    # A trigger (migration 0002) moves each chain's head to its newest inserted event.
    core(session).execute(_INSERT_EVENT, rows)


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    seq: int | None = None


def _events(session: Session, chain: int, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == chain, AuditEvent.seq > last)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk every chain from its first event; report the first event edited, removed or added."""
    heads = {h.id: (h.seq, h.hash) for h in session.scalars(select(AuditChainHead))}
    total = 0
    for chain in range(CHAINS):
        problem = _verify_chain(session, chain, heads.get(chain, (0, GENESIS)))
        if problem is not None:
            return VerifyResult(False, total + problem[0], problem[1], problem[2])
        total += heads.get(chain, (0, GENESIS))[0]
    return VerifyResult(True, total)


def _verify_chain(
    session: Session, chain: int, head: tuple[int, str]
) -> tuple[int, str, int] | None:
    """(events checked, what is wrong, seq) for the first problem in ``chain``, or None."""
    expected_seq, prev, count = 1, GENESIS, 0
    for ev in _events(session, chain):
        where = f"event #{ev.id} (chain {chain}, #{ev.seq}: {ev.action} on {ev.object_type} {ev.object_id})"
        if ev.seq != expected_seq:
            return (
                count,
                f"chain {chain}: event #{expected_seq} is missing: the chain jumps from "
                f"#{expected_seq - 1} to #{ev.seq} (deleted)",
                expected_seq,
            )
        if ev.prev_hash != prev:
            return count, f"{where} does not follow the event before it", ev.seq
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
        )
        if digest != ev.hash:
            return count, f"{where} does not match its hash: edited after it was written", ev.seq
        prev, expected_seq, count = ev.hash, expected_seq + 1, count + 1
    if head != (count, prev):
        return (
            count,
            f"chain {chain} ends at event #{count} but {head[0]} were written: "
            f"events after #{count} were deleted",
            count + 1,
        )
    return None
