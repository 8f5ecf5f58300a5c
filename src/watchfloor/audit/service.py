"""Writing audit events with the change they record, verifying the chain, checkpointing it.

Services call ``record``; the events belong to the transaction (or savepoint) they were recorded
in, and are chained, sealed and inserted when the outermost transaction commits, after everything
else, so the chain heads' locks are held only for the final insert and the commit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import Engine, Select, Table, and_, event, func, insert, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from watchfloor.audit import checkpoints
from watchfloor.audit.chain import SEAL_KEYED, canonical, chain_of, event_hash
from watchfloor.audit.checkpoints import Checkpoint
from watchfloor.audit.models import AuditChainHead, AuditEvent
from watchfloor.audit.snapshot import snapshot
from watchfloor.audit.verifier import VerifyResult, heads, verify_chains
from watchfloor.clock import Clock
from watchfloor.db import AuditedSession, core, dialect_of, in_list

__all__ = ["VerifyResult", "has_pending", "record", "verify"]

# [(the transaction or savepoint it was recorded in, the event)], in the order recorded.
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
    """Add an audit event to the current transaction; it is written, chained and sealed when the
    outermost transaction commits, and dropped if the transaction (or savepoint) rolls back."""
    seal_key(session)  # a session that could not seal the event fails here, not at commit
    if not session.in_transaction():
        session.begin()
    current = session.get_nested_transaction() or session.get_transaction()
    # Round-trip through JSON now so the hash covers exactly what the database will give back.
    item = {
        "occurred_at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": _jsonable(before),
        "after": _jsonable(after),
    }
    session.info.setdefault(_PENDING, []).append((current, item))


def has_pending(session: Session) -> bool:
    """Whether events recorded in this session still wait for its commit."""
    return bool(session.info.get(_PENDING))


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    result: dict[str, Any] = orjson.loads(canonical(value))
    return result


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint takes the events recorded in it (and in savepoints inside it)."""
    pending: list[tuple[SessionTransaction, dict[str, Any]]] | None = session.info.get(_PENDING)
    if pending:
        pending[:] = [(tx, item) for tx, item in pending if not _within(tx, previous)]


@event.listens_for(Session, "after_transaction_end")
def _drop_at_end(session: Session, transaction: SessionTransaction) -> None:
    """Whatever is still pending when the outermost transaction ends was never committed."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def seal_key(session: Session) -> bytes:
    """The key this session's audit events are sealed with: given to its factory
    (db.make_sessionmaker) by whoever made it, never looked up."""
    if not isinstance(session, AuditedSession):
        raise TypeError(
            "audit events need a session from db.make_sessionmaker(engine, audit_key=...), "
            f"not a bare {type(session).__name__}: nothing could seal them"
        )
    return session.audit_key


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
    """Chain, seal and insert the transaction's pending events, holding their chains' head locks.

    ``before_commit`` also fires when a savepoint is released. Sealing there took the chain
    heads' locks in the middle of the transaction and then more at its end, in two batches each
    sorted but not sorted together, so two transactions could wait for each other in a cycle (a
    batch intake that paged on-call and the SLA sweep deadlocked). A savepoint's events wait for
    the outermost commit, which locks every chain it needs at once, in chain order.
    """
    if session.in_nested_transaction():
        return
    pending: list[tuple[SessionTransaction, dict[str, Any]]] | None = session.info.pop(
        _PENDING, None
    )
    if not pending:
        return
    key = seal_key(session)
    session.flush()
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for _tx, item in pending:
        by_chain.setdefault(chain_of(item["object_type"], item["object_id"]), []).append(item)
    # Locked in chain order, so two writers never wait for each other in a cycle.
    found = {
        chain: (seq, digest)
        for chain, seq, digest in core(session).execute(
            _chain_heads(dialect_of(session)), {"chains": sorted(by_chain)}
        )
    }
    rows = []
    for chain, items in sorted(by_chain.items()):
        if chain not in found:
            raise RuntimeError(f"audit chain {chain} has no head row; run 'watchfloor db upgrade'")
        seq, prev = found[chain]
        for item in items:
            seq += 1
            digest = event_hash(chain=chain, seq=seq, prev_hash=prev, key=key, **item)
            rows.append(
                {
                    **item,
                    "chain": chain,
                    "seq": seq,
                    "prev_hash": prev,
                    "hash": digest,
                    "seal": SEAL_KEYED,
                }
            )
            prev = digest
    # A trigger (migration 0002) moves each chain's head to its newest inserted event.
    core(session).execute(_INSERT_EVENT, rows)


def verify(
    session: Session, *, key: bytes | None = None, checkpoint: Checkpoint | None = None
) -> VerifyResult:
    """Walk every chain in one snapshot of the database (writers may go on meanwhile); report
    the first event edited, removed or added, or a chain behind ``checkpoint``."""
    engine: Engine = session.get_bind().engine
    with snapshot(engine) as conn:
        return verify_chains(
            conn, key=key if key is not None else seal_key(session), checkpoint=checkpoint
        )


@dataclass
class Checkpointed:
    path: Path
    chains: int
    events: int


def checkpoint(engine: Engine, clock: Clock, *, path: Path, key: bytes) -> Checkpointed:
    """Append a signed checkpoint of every chain's head, read in one snapshot, to ``path``."""
    with snapshot(engine) as conn:
        current = {chain: head for chain, head in heads(conn).items() if head[0] > 0}
    checkpoints.append(path, checkpoints.line_for(key, clock.now(), current))
    return Checkpointed(path, len(current), sum(seq for seq, _ in current.values()))


def checkpoint_due(
    engine: Engine, clock: Clock, *, path: Path | None, every: timedelta, key: bytes
) -> int:
    """The worker's job: a checkpoint when ``every`` has passed since the file's last one; 1 if
    one was written. Written even when no chain moved: a file that stops growing shows the
    checkpoints themselves were stopped. Nothing to do without a file configured."""
    if path is None:
        return 0
    last_at = checkpoints.last_time(path)
    if last_at is not None and clock.now() - last_at < every:
        return 0
    checkpoint(engine, clock, path=path, key=key)
    return 1


def trail_of(session: Session, *, object_id: str) -> Sequence[AuditEvent]:
    """Every audit event about ``object_id`` (a case key, a username…), oldest first."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == object_id).order_by(AuditEvent.id)
    ).all()


EventRow = AuditEvent  # what the readers below return; fields as in audit/models.py


def get_event(session: Session, *, event_id: int) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)


def events_by_id(session: Session, *, ids: Sequence[int]) -> Sequence[AuditEvent]:
    if not ids:
        return []
    return session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(list(ids))).order_by(AuditEvent.id)
    ).all()


def trail_of_actions(
    session: Session, *, object_id: str, actions: Collection[str]
) -> Sequence[AuditEvent]:
    """The events about ``object_id`` whose action is one of ``actions``, oldest first."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_id == object_id, AuditEvent.action.in_(sorted(actions)))
        .order_by(AuditEvent.id)
    ).all()


def trail_of_any(
    session: Session,
    *,
    object_ids: Select[str],
    also: str,
    exclude_actions: Collection[str] = (),
    before: tuple[datetime, int | None] | None = None,
    limit: int,
) -> tuple[Sequence[AuditEvent], int]:
    """The newest ``limit`` events about ``also`` or any object ``object_ids`` selects (an
    incident and its cases), newest first, and how many there are in all.

    ``before`` continues a reading: ``(at, id)`` the events before that one; ``(at, None)``
    those at ``at`` or earlier."""
    about = or_(AuditEvent.object_id == also, AuditEvent.object_id.in_(object_ids))
    if exclude_actions:
        about = and_(about, AuditEvent.action.not_in(sorted(exclude_actions)))
    page = select(AuditEvent.id).where(about)
    if before is not None:
        at, ident = before
        page = page.where(
            AuditEvent.occurred_at <= at
            if ident is None
            else or_(
                AuditEvent.occurred_at < at,
                and_(AuditEvent.occurred_at == at, AuditEvent.id < ident),
            )
        )
    newest = AuditEvent.occurred_at.desc(), AuditEvent.id.desc()
    # The page's ids from the index alone, then only those rows from the table.
    ids = page.order_by(*newest).limit(limit).scalar_subquery()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(ids)).order_by(*newest)
    ).all()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(about))
    return events, int(total or 0)
