"""Delivering outbox events to webhook endpoints, signed as Standard Webhooks, with retries.

A delivery is leased before the request is sent and settled after, each in its own short
transaction, so no row lock is held across the network. A worker that dies mid-delivery leaves a
lease that runs out; another worker then retries with the same event id, which receivers
de-duplicate on. At least once, never lost.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.notify.formats import slack_message
from watchfloor.notify.models import Delivery, OutboxEvent, WebhookEndpoint
from watchfloor.settings import Settings


def retry_delay(
    attempts: int, *, base: float, cap: float, jitter: float | None = None
) -> timedelta:
    """Exponential backoff after ``attempts`` failures, with up to 20% random jitter added."""
    seconds = min(cap, base * (2 ** max(0, attempts - 1)))
    fraction = random.random() if jitter is None else jitter
    return timedelta(seconds=seconds * (1 + 0.2 * fraction))


@dataclass
class _Job:
    delivery_id: int
    event_id: str
    event_type: str
    created_at: datetime
    payload: dict[str, Any]
    url: str
    secret: str
    attempts: int
    format: str = "standard"


def signed_request(
    job_event_id: str,
    event_type: str,
    created_at: datetime,
    data: dict[str, Any],
    secret: str,
    sent_at: datetime,
) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of one event."""
    body = json.dumps(
        {
            "id": job_event_id,
            "type": event_type,
            "timestamp": created_at.astimezone(UTC).isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
    )
    signature = Webhook(secret).sign(job_event_id, sent_at.astimezone(UTC), body)
    headers = {
        "content-type": "application/json",
        "user-agent": "Watchfloor-Webhooks/1",
        "webhook-id": job_event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def _lease(
    sessions: sessionmaker[Session], clock: Clock, *, limit: int, lease: timedelta
) -> list[_Job]:
    with session_scope(sessions) as session:
        now = clock.now()
        rows = session.execute(
            select(Delivery, OutboxEvent, WebhookEndpoint)
            .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Delivery)
        ).all()
        jobs = []
        for delivery, event, endpoint in rows:
            delivery.lease_until = now + lease
            jobs.append(
                _Job(
                    delivery.id,
                    event.event_id,
                    event.event_type,
                    event.created_at,
                    event.payload,
                    endpoint.url,
                    endpoint.secret,
                    delivery.attempts,
                    endpoint.format,
                )
            )
        return jobs


def _send(client: httpx.Client, clock: Clock, job: _Job) -> tuple[int | None, str | None]:
    body, headers = signed_request(
        job.event_id, job.event_type, job.created_at, job.payload, job.secret, clock.now()
    )
    if job.format == "slack":
        # Slack reads {text, blocks}; the signature headers still let any receiver verify it.
        body = json.dumps(slack_message(job.event_type, job.payload)).encode()
        headers["webhook-signature"] = Webhook(job.secret).sign(
            job.event_id, clock.now().astimezone(UTC), body.decode()
        )
    try:
        response = client.post(job.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:300]}"


def _settle(
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    job: _Job,
    status_code: int | None,
    error: str | None,
) -> None:
    with session_scope(sessions) as session:
        delivery = session.get(Delivery, job.delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "pending":
            return
        now = clock.now()
        delivery.attempts += 1
        delivery.lease_until = None
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = now
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = "dead"
        else:
            delivery.next_attempt_at = now + retry_delay(
                delivery.attempts,
                base=settings.webhook_backoff_base_seconds,
                cap=settings.webhook_backoff_max_seconds,
            )


def deliver_due(
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    limit: int = 50,
) -> int:
    """Send every delivery that is due (up to ``limit``); returns how many were attempted."""
    lease = timedelta(seconds=settings.webhook_timeout_seconds * 2 + 30)
    jobs = _lease(sessions, clock, limit=limit, lease=lease)
    if not jobs:
        return 0
    own_client = client is None
    http = client or httpx.Client(timeout=settings.webhook_timeout_seconds)
    try:
        for job in jobs:
            status_code, error = _send(http, clock, job)
            _settle(sessions, clock, settings, job, status_code, error)
    finally:
        if own_client:
            http.close()
    return len(jobs)
