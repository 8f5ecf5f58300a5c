"""Leases on webhook deliveries: which receivers have work, taking a receiver's due batch, keeping
it while it is in flight, and giving back what was not sent.

A lease is a time in the delivery's row, not a row lock held across the network. The worker
holding a batch renews its leases every quarter lease until each delivery is settled, so a lease
never runs out under a delivery still in flight; a worker that dies stops renewing, and once its
leases run out another worker retries with the same event id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.notify.models import Delivery, OutboxEvent, WebhookEndpoint
from watchfloor.notify.service import CANCELLED

log = logging.getLogger("watchfloor.notify")


@dataclass
class Job:
    """One leased delivery: what to send."""

    delivery_id: int
    event_id: str
    event_type: str
    created_at: datetime
    payload: dict[str, Any]


@dataclass
class Receiver:
    """Where a batch goes, read with the batch."""

    id: int
    url: str
    secret: str
    format: str


class Leases:
    """The deliveries a pass holds, renewed every quarter lease until each is settled."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, length: timedelta) -> None:
        self.sessions, self.clock, self.length = sessions, clock, length
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def hold(self, ids: Iterable[int]) -> None:
        with self._lock:
            self._held.update(ids)

    def drop(self, delivery_id: int) -> None:
        with self._lock:
            self._held.discard(delivery_id)

    def renew(self) -> None:
        with self._lock:
            ids = sorted(self._held)
        if not ids:
            return
        with session_scope(self.sessions) as session:
            # A settled delivery has no lease (lease_until is cleared): it is not given one back.
            session.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(ids),
                    Delivery.status == "pending",
                    Delivery.lease_until.is_not(None),
                )
                .values(lease_until=self.clock.now() + self.length)
            )

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        stop = threading.Event()
        interval = self.length.total_seconds() / 4

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    self.renew()
                except Exception:  # the next beat tries again; the lease still has 3/4 to run
                    log.exception("renewing webhook delivery leases failed")

        thread = threading.Thread(target=beat, name="webhook-leases", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def due_receivers(sessions: sessionmaker[Session], clock: Clock, *, limit: int) -> list[int]:
    """Active receivers with deliveries due and free; cancels what waits for disabled ones."""
    with session_scope(sessions) as session:
        now = clock.now()
        # A delivery queued in the same moment its receiver was disabled escapes the disable's
        # own cancelling; it is cancelled here, never sent.
        inactive = select(WebhookEndpoint.id).where(WebhookEndpoint.is_active.is_(False))
        session.execute(
            update(Delivery)
            .where(Delivery.status == "pending", Delivery.endpoint_id.in_(inactive))
            .values(status="cancelled", lease_until=None, last_error=CANCELLED)
        )
        return list(
            session.scalars(
                select(Delivery.endpoint_id)
                .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
                .where(
                    WebhookEndpoint.is_active,
                    Delivery.status == "pending",
                    Delivery.next_attempt_at <= now,
                    or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                )
                .distinct()
                .order_by(Delivery.endpoint_id)
                .limit(limit)
            )
        )


def lease(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    endpoint_id: int,
    limit: int,
    lease: timedelta,
) -> tuple[Receiver | None, list[Job]]:
    """Take up to ``limit`` due, free deliveries of one active receiver, oldest first."""
    with session_scope(sessions) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or not endpoint.is_active:
            return None, []
        now = clock.now()
        rows = session.execute(
            select(Delivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_event_id)
            .where(
                Delivery.endpoint_id == endpoint_id,
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Delivery)
        ).all()
        jobs = []
        for delivery, event in rows:
            delivery.lease_until = now + lease
            jobs.append(
                Job(delivery.id, event.event_id, event.event_type, event.created_at, event.payload)
            )
        receiver = Receiver(endpoint.id, endpoint.url, endpoint.secret, endpoint.format)
        return receiver, jobs


def still_wanted(sessions: sessionmaker[Session], delivery_id: int) -> bool:
    """Whether a leased delivery should still go out: its receiver may have been disabled since."""
    with session_scope(sessions) as session:
        row = session.execute(
            select(Delivery.status, WebhookEndpoint.is_active)
            .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(Delivery.id == delivery_id)
        ).first()
    return row is not None and row.status == "pending" and bool(row.is_active)


def release(
    sessions: sessionmaker[Session], jobs: list[Job], *, not_before: datetime | None
) -> None:
    """Give back leased deliveries that were not sent in this pass (no attempt is counted)."""
    if not jobs:
        return
    with session_scope(sessions) as session:
        for job in jobs:
            delivery = session.get(Delivery, job.delivery_id, with_for_update=True)
            if delivery is None or delivery.status != "pending":
                continue
            delivery.lease_until = None
            if not_before is not None and delivery.next_attempt_at < not_before:
                delivery.next_attempt_at = not_before
