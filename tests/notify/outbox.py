"""Helpers for the outbox tests: receivers registered through the API, events queued as a
decision or a page would queue them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Person
from watchfloor.db import session_scope
from watchfloor.notify import service as notify
from watchfloor.notify.models import Delivery, WebhookEndpoint
from watchfloor.runtime import Runtime


def register(client: TestClient, admin: Person, name: str, url: str) -> str:
    """Register a receiver through the API; its signing secret."""
    r = client.post("/api/v1/webhooks", json={"name": name, "url": url}, headers=admin.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def queue_events(runtime: Runtime, n: int, event_type: str = "action.requested") -> list[str]:
    """Queue ``n`` events in one transaction, as a decision with ``n`` actions would."""
    with session_scope(runtime.sessions) as session:
        return [
            notify.enqueue(session, runtime.clock, event_type=event_type, data={"n": i})
            for i in range(n)
        ]


def deliveries(runtime: Runtime, name: str) -> list[Delivery]:
    """A receiver's deliveries in the order they were queued."""
    with session_scope(runtime.sessions) as session:
        rows = session.scalars(
            select(Delivery)
            .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(WebhookEndpoint.name == name)
            .order_by(Delivery.id)
        ).all()
        session.expunge_all()
        return list(rows)
