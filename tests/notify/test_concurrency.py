"""Receivers do not wait for each other, and a lease outlives the delivery it covers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from tests.notify.outbox import deliveries, queue_events, register
from tests.receiver import hanging_receiver, webhook_receiver
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.notify.delivery import deliver_due
from watchfloor.notify.models import Delivery
from watchfloor.runtime import Runtime


def test_a_receiver_that_never_answers_does_not_hold_up_a_healthy_one(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    # Far longer than the healthy deliveries take: the worker is still waiting on the silent
    # receiver when the healthy one has everything, on however slow a machine.
    runtime.settings.webhook_timeout_seconds = 120.0
    attempted: list[int] = []
    with webhook_receiver() as healthy, hanging_receiver() as silent:
        register(client, admin, "silent", silent.url)  # first: its deliveries sort first
        healthy.secret = register(client, admin, "healthy", healthy.url)
        queue_events(runtime, 20)
        worker = threading.Thread(
            target=lambda: attempted.append(
                deliver_due(runtime.sessions, runtime.clock, runtime.settings)
            )
        )
        worker.start()

        assert until(lambda: len(healthy.received) == 20), "the healthy receiver was held up"
        # All twenty arrived while the worker's one request to the silent receiver was open.
        assert silent.connections == 1 and not silent.closed.is_set() and worker.is_alive()
        silent.hang_up.set()
        worker.join(60)
        assert not worker.is_alive()
    assert attempted == [21]
    assert len(set(healthy.seen_ids)) == 20
    stuck = deliveries(runtime, "silent")
    assert stuck[0].last_error and stuck[0].attempts == 1 and stuck[0].status != "delivered"
    # The rest of its batch was not tried: it waits as long as the one that failed.
    assert all(d.attempts == 0 and d.lease_until is None for d in stuck[1:])
    assert {d.next_attempt_at for d in stuck} == {stuck[0].next_attempt_at}
    assert all(d.status == "delivered" for d in deliveries(runtime, "healthy"))


def until(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll ``condition`` until it holds; the bound only ends a broken test."""
    waiting = threading.Event()
    for _ in range(int(seconds * 20)):
        if condition():
            return True
        waiting.wait(0.05)
    return condition()


def test_two_workers_never_send_one_event_twice_while_it_is_in_flight(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    admin = make_user("admin")
    runtime.settings.webhook_lease_seconds = 2.0  # renewed every half second of real time
    hold = threading.Event()
    # Four minutes back, then eight forward: signatures stay within the receiver's tolerance.
    clock.set(clock.now() - timedelta(minutes=4))
    with webhook_receiver(hold=hold) as slow:
        slow.secret = register(client, admin, "slow", slow.url)
        queue_events(runtime, 3)
        first = threading.Thread(
            target=deliver_due, args=(runtime.sessions, runtime.clock, runtime.settings)
        )
        first.start()
        assert slow.arrived.wait(30), "the first worker never reached the receiver"
        # The receiver takes far longer than a lease: the three leases would have run out.
        clock.advance(timedelta(minutes=8))
        assert leases_renewed(runtime, clock, wanted=3), "nothing renewed the leases"
        # A second worker finds nothing to take: one event is in flight, two wait behind it.
        assert deliver_due(runtime.sessions, runtime.clock, runtime.settings) == 0
        hold.set()
        first.join(60)
        assert not first.is_alive()
    assert len(slow.seen_ids) == 3 and len(set(slow.seen_ids)) == 3
    rows = deliveries(runtime, "slow")
    assert [(d.status, d.attempts, d.lease_until) for d in rows] == [("delivered", 1, None)] * 3


def leases_renewed(runtime: Runtime, clock: SettableClock, *, wanted: int) -> bool:
    """Wait (bounded) until ``wanted`` deliveries hold a lease beyond the clock's now."""
    done = threading.Event()
    for _ in range(300):
        with session_scope(runtime.sessions) as session:
            held = session.scalars(
                select(Delivery.id).where(Delivery.lease_until > clock.now())
            ).all()
        if len(held) == wanted:
            return True
        done.wait(0.1)
    return False
