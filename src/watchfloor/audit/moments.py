"""When something happened to objects, read from the audit log (insights' reopen rates)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit.models import AuditEvent


def times_of(
    session: Session, *, object_ids: Sequence[str], action: str
) -> dict[str, list[datetime]]:
    """object id → when each ``action`` event about it happened, oldest first (objects without
    one are left out)."""
    found: dict[str, list[datetime]] = {}
    for start in range(0, len(object_ids), 1000):
        chunk = list(object_ids[start : start + 1000])
        for object_id, at in session.execute(
            select(AuditEvent.object_id, AuditEvent.occurred_at)
            .where(AuditEvent.object_id.in_(chunk), AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ):
            found.setdefault(object_id, []).append(at)
    return found
