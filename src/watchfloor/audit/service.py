"""Writing audit events with the change they record, and verifying the chain.

Services call ``record``; the events are chained and inserted when the session commits, after
everything else, so the chain lock is held only for the final insert and the commit itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from watchfloor.audit.chain import GENESIS, canonical, event_hash
from watchfloor.audit.models import AuditChainHead, AuditEvent

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


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    result: dict[str, Any] = orjson.loads(canonical(value))
    return result


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    """Chain and insert this session's pending audit events, holding the chain head's lock."""
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    seq, prev = head.seq, head.hash
    rows = []
    for item in pending:
        seq += 1
        digest = event_hash(seq=seq, prev_hash=prev, **item)
        rows.append({**item, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev))
    session.expire(head)


def pending_count(session: Session) -> int:
    """How many events this unit of work has recorded but not yet written."""
    return len(session.info.get(_PENDING, []))


def discard_pending(session: Session, *, keep: int = 0) -> None:
    """Forget events recorded after the first ``keep`` (their savepoint was rolled back)."""
    pending: list[dict[str, Any]] = session.info.get(_PENDING, [])
    del pending[keep:]


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    seq: int | None = None


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = -1
    while True:
        chunk = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the first event; report the first one that was edited, removed or added."""
    expected_seq, prev, count = 1, GENESIS, 0
    for ev in _events(session):
        where = f"event #{ev.seq} ({ev.action} on {ev.object_type} {ev.object_id})"
        if ev.seq != expected_seq:
            return VerifyResult(
                False,
                count,
                f"event #{expected_seq} is missing: the chain jumps from #{expected_seq - 1} "
                f"to #{ev.seq} (deleted)",
                expected_seq,
            )
        if ev.prev_hash != prev:
            return VerifyResult(
                False, count, f"{where} does not follow the event before it", ev.seq
            )
        digest = event_hash(
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
            return VerifyResult(
                False,
                count,
                f"{where} does not match its hash: edited after it was written",
                ev.seq,
            )
        prev, expected_seq, count = ev.hash, expected_seq + 1, count + 1
    head = session.get(AuditChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != count or head_hash != prev:
        return VerifyResult(
            False,
            count,
            f"the chain ends at event #{count} but {head_seq} were written: "
            f"events after #{count} were deleted",
            count + 1,
        )
    return VerifyResult(True, count)
