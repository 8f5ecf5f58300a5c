"""Webhook endpoints and the outbox: events are written with the change that causes them."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.clock import Clock
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.notify import egress, events
from watchfloor.notify.models import Delivery, OutboxEmail, OutboxEvent, WebhookEndpoint

# What a delivery that was never sent because its receiver was disabled records as its error.
CANCELLED = "cancelled: the receiver was disabled before this was sent"


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_endpoint(
    session: Session,
    clock: Clock,
    *,
    name: str,
    url: str,
    event_types: list[str],
    actor: str,
    allow_networks: Sequence[egress.IPNetwork],
    secret: str | None = None,
    format: str = "standard",
) -> WebhookEndpoint:
    """Register a receiver; refused (422) when its URL reaches a non-public address that
    ``allow_networks`` does not name. Delivery checks the address again after DNS."""
    if (why := egress.check_url(url, allow_networks)) is not None:
        raise Invalid(
            f"url: webhooks may not be sent to {why}",
            fields=[{"loc": ["body", "url"], "msg": why}],
        )
    if session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.name == name)):
        raise Conflict(f"a webhook endpoint named {name!r} already exists")
    endpoint = WebhookEndpoint(
        name=name,
        url=url,
        secret=secret or new_secret(),
        event_types=sorted(set(event_types)),
        is_active=True,
        format=format,
        created_at=clock.now(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="webhook.created",
        object_type="webhook",
        object_id=name,
        after={"url": url, "event_types": endpoint.event_types, "format": format},
    )
    return endpoint


def list_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    return session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def get_endpoint_or_raise(session: Session, *, name: str) -> WebhookEndpoint:
    endpoint = session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.name == name))
    if endpoint is None:
        raise NotFound(f"no webhook endpoint named {name!r}")
    return endpoint


def delete_endpoint(session: Session, clock: Clock, *, name: str, actor: str) -> None:
    """Disable a receiver: nothing more is sent to it, and what was queued for it is cancelled.

    Queued deliveries are cancelled rather than kept for a re-enable: a receiver is turned off
    because it is wrong or compromised, and enforcement orders that arrive days late are worse
    than none. A delivery already in flight cannot be recalled; if it succeeds it is recorded as
    delivered. Disabling a disabled receiver changes nothing and records nothing.
    """
    endpoint = get_endpoint_or_raise(session, name=name)
    if not endpoint.is_active:
        return
    endpoint.is_active = False
    result = session.execute(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint.id, Delivery.status == "pending")
        .values(status="cancelled", lease_until=None, last_error=CANCELLED)
    )
    assert isinstance(result, CursorResult)
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="webhook.disabled",
        object_type="webhook",
        object_id=name,
        before={"is_active": True},
        after={"is_active": False, "cancelled_deliveries": result.rowcount},
    )


def recent_deliveries(
    session: Session, *, endpoint: WebhookEndpoint, limit: int
) -> list[tuple[str, str, Delivery]]:
    """(event id, event type, delivery) of a receiver's latest deliveries, newest first."""
    rows = session.execute(
        select(OutboxEvent.event_id, OutboxEvent.event_type, Delivery)
        .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_event_id)
        .where(Delivery.endpoint_id == endpoint.id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    ).all()
    return [(event_id, event_type, d) for event_id, event_type, d in rows]


def enqueue(
    session: Session,
    clock: Clock,
    *,
    event_type: str,
    data: dict[str, Any],
    only_endpoints: Sequence[str] | None = None,
) -> str:
    """Write an event and one pending delivery per subscribed endpoint; returns the event id.
    ``event_type`` must be in the registry (notify/events.py). With ``only_endpoints``, the
    event goes to those active receivers (by name) alone, whatever they subscribed to: an
    incident's own channels."""
    events.check(event_type)
    now = clock.now()
    event_id = str(uuid.uuid4())
    event = OutboxEvent(event_id=event_id, event_type=event_type, payload=data, created_at=now)
    session.add(event)
    session.flush()
    query = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(WebhookEndpoint.is_active)
    if only_endpoints is not None:
        query = query.where(WebhookEndpoint.name.in_(list(only_endpoints)))
    endpoints = session.execute(query).all()
    rows = [
        {
            "outbox_event_id": event.id,
            "endpoint_id": endpoint_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for endpoint_id, types in endpoints
        if only_endpoints is not None or not types or event_type in types
    ]
    if rows:
        session.execute(insert(Delivery), rows)
    return event_id


def active_endpoint_names(session: Session, *, names: Sequence[str]) -> set[str]:
    """Which of ``names`` are active webhook receivers."""
    if not names:
        return set()
    return set(
        session.scalars(
            select(WebhookEndpoint.name).where(
                WebhookEndpoint.name.in_(list(names)), WebhookEndpoint.is_active
            )
        )
    )


def deliveries_of(session: Session, *, event_ids: list[str]) -> list[tuple[str, Delivery, str]]:
    """(event id, delivery, endpoint name) for every delivery of these events."""
    rows = session.execute(
        select(Delivery, WebhookEndpoint.name, OutboxEvent.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_event_id)
        .where(OutboxEvent.event_id.in_(event_ids))
        .order_by(Delivery.id)
    ).all()
    return [(event_id, d, name) for d, name, event_id in rows]


def outbox_backlog(session: Session) -> list[tuple[str, int, datetime | None, int]]:
    """For each active webhook receiver: (name, deliveries not made yet, when the oldest of their
    events was written, deliveries given up on); what /metrics reports as outbox lag."""
    pending = Delivery.status == "pending"
    rows = session.execute(
        select(
            WebhookEndpoint.name,
            func.count(Delivery.id).filter(pending),
            func.min(OutboxEvent.created_at).filter(pending),
            func.count(Delivery.id).filter(Delivery.status == "dead"),
        )
        .select_from(WebhookEndpoint)
        .outerjoin(
            Delivery,
            (Delivery.endpoint_id == WebhookEndpoint.id) & Delivery.status.in_(("pending", "dead")),
        )
        .outerjoin(OutboxEvent, OutboxEvent.id == Delivery.outbox_event_id)
        .where(WebhookEndpoint.is_active)
        .group_by(WebhookEndpoint.name)
    )
    return [(name, int(n), oldest, int(dead)) for name, n, oldest, dead in rows]


def email_backlog(session: Session) -> tuple[int, datetime | None, int]:
    """Email not sent yet, when the oldest of it was written, and email given up on."""
    pending = OutboxEmail.status == "pending"
    waiting, oldest, dead = session.execute(
        select(
            func.count().filter(pending),
            func.min(OutboxEmail.created_at).filter(pending),
            func.count().filter(OutboxEmail.status == "dead"),
        ).where(OutboxEmail.status.in_(("pending", "dead")))
    ).one()
    return int(waiting), oldest, int(dead)
