"""Purging finished outbox records past their retention period (compliance/retention). Only
deliveries and e-mails that will never be tried again: a pending one is still work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watchfloor.notify.models import Delivery, OutboxEmail


def purge_deliveries(session: Session, *, cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` webhook deliveries delivered, dead or cancelled before ``cutoff``
    (their receivers' answers may hold anything). How many went."""
    ids = list(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.status.in_(("delivered", "dead", "cancelled")),
                func.coalesce(Delivery.delivered_at, Delivery.next_attempt_at) < cutoff,
            )
            .order_by(Delivery.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
    return len(ids)


def purge_emails(session: Session, *, cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` e-mails sent or given up before ``cutoff`` (addresses, bodies)."""
    ids = list(
        session.scalars(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.status.in_(("sent", "dead")),
                func.coalesce(OutboxEmail.sent_at, OutboxEmail.created_at) < cutoff,
            )
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(delete(OutboxEmail).where(OutboxEmail.id.in_(ids)))
    return len(ids)
