"""Disabling a receiver stops delivery at once: queued deliveries are cancelled, not sent later."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.notify.outbox import deliveries, queue_events, register
from tests.receiver import webhook_receiver
from watchfloor.clock import SettableClock
from watchfloor.notify.delivery import deliver_due
from watchfloor.runtime import Runtime


def deliver(runtime: Runtime) -> int:
    return deliver_due(runtime.sessions, runtime.clock, runtime.settings)


def disabled_trail(client: TestClient, admin: Person) -> list[dict[str, object]]:
    trail = client.get("/api/v1/audit?object_id=enforcement", headers=admin.headers).json()
    return [e for e in trail if e["action"] == "webhook.disabled"]


def test_queued_events_are_not_sent_once_the_receiver_is_disabled(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    with webhook_receiver() as hook:
        hook.secret = register(client, admin, "enforcement", hook.url)
        queue_events(runtime, 3)
        r = client.delete("/api/v1/webhooks/enforcement", headers=admin.headers)
        assert r.status_code == 204
        assert deliver(runtime) == 0
        assert hook.requests == 0
    assert [d.status for d in deliveries(runtime, "enforcement")] == ["cancelled"] * 3
    assert all("disabled" in (d.last_error or "") for d in deliveries(runtime, "enforcement"))
    [event] = disabled_trail(client, admin)
    assert event["before"] == {"is_active": True}
    assert event["after"] == {"is_active": False, "cancelled_deliveries": 3}
    # Disabling again changes nothing and records nothing.
    assert client.delete("/api/v1/webhooks/enforcement", headers=admin.headers).status_code == 204
    assert len(disabled_trail(client, admin)) == 1


def test_a_failing_receiver_gets_no_retries_after_it_is_disabled(
    client: TestClient,
    runtime: Runtime,
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    admin = make_user("admin")
    with webhook_receiver(fail_first=1000) as hook:
        hook.secret = register(client, admin, "enforcement", hook.url)
        queue_events(runtime, 2)
        assert deliver(runtime) == 2  # both answered 503: retried later
        assert [d.status for d in deliveries(runtime, "enforcement")] == ["pending"] * 2
        assert (
            client.delete("/api/v1/webhooks/enforcement", headers=admin.headers).status_code == 204
        )
        clock.advance(timedelta(hours=2))
        assert deliver(runtime) == 0
        assert hook.requests == 2
    rows = deliveries(runtime, "enforcement")
    assert [(d.status, d.attempts) for d in rows] == [("cancelled", 1)] * 2
    assert disabled_trail(client, admin)[0]["after"]["cancelled_deliveries"] == 2  # type: ignore[index]


def test_disabling_while_a_delivery_is_in_flight_stops_the_rest_of_its_batch(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    hold = threading.Event()
    with webhook_receiver(hold=hold) as hook:
        hook.secret = register(client, admin, "enforcement", hook.url)
        queue_events(runtime, 3)
        worker = threading.Thread(target=deliver, args=(runtime,))
        worker.start()
        assert hook.arrived.wait(30), "the first delivery never reached the receiver"
        # The first event is with the receiver; the other two are leased, waiting their turn.
        assert (
            client.delete("/api/v1/webhooks/enforcement", headers=admin.headers).status_code == 204
        )
        hold.set()
        worker.join(60)
        assert not worker.is_alive()
        assert hook.requests == 1
    rows = deliveries(runtime, "enforcement")
    # The one in flight reached the receiver, and the record says so; the others never left.
    assert [d.status for d in rows] == ["delivered", "cancelled", "cancelled"]
    assert [d.attempts for d in rows] == [1, 0, 0]
