"""Delivering outbox events to webhook endpoints, signed as Standard Webhooks, with retries.

Each receiver is served on its own (up to ``webhook_concurrency`` side by side), so one that
accepts connections and never answers costs only its own deliveries a timeout. For each receiver
a worker leases a batch of due deliveries, sends them one by one, and settles each, every step in
its own short transaction, so no row lock is held across the network. While the batch is in its
hands a heartbeat keeps renewing the leases, so a lease never runs out under a delivery still in
flight; a worker that dies stops renewing, its leases run out, and another worker retries with the
same event id, which receivers de-duplicate on. At least once, never lost.

Before connecting, the receiver's host is resolved and every address checked (``egress``); the
request goes to the checked address, so DNS cannot steer it to an internal one.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.notify import egress
from watchfloor.notify.formats import slack_message
from watchfloor.notify.leases import (
    Job,
    Leases,
    Receiver,
    due_receivers,
    lease,
    release,
    still_wanted,
)
from watchfloor.notify.models import Delivery
from watchfloor.settings import Settings

log = logging.getLogger("watchfloor.notify")

RESPONSE_EXCERPT_BYTES = 1024  # how much of a receiver's answer is kept for its managers


def retry_delay(
    attempts: int, *, base: float, cap: float, jitter: float | None = None
) -> timedelta:
    """Exponential backoff after ``attempts`` failures, with up to 20% random jitter added."""
    seconds = min(cap, base * (2 ** max(0, attempts - 1)))
    fraction = random.random() if jitter is None else jitter
    return timedelta(seconds=seconds * (1 + 0.2 * fraction))


@dataclass
class _Outcome:
    status_code: int | None  # None: no answer (refused, unreachable, timed out)
    error: str | None  # None: delivered
    response: str | None = None  # the start of the receiver's answer


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


def _read_excerpt(response: httpx.Response) -> str:
    """The start of an answer; a receiver that streams without end cannot hold the worker."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_EXCERPT_BYTES:
            break
    return b"".join(chunks)[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace")


def _send(
    client: httpx.Client, clock: Clock, receiver: Receiver, target: egress.Target, job: Job
) -> _Outcome:
    body, headers = signed_request(
        job.event_id, job.event_type, job.created_at, job.payload, receiver.secret, clock.now()
    )
    if receiver.format == "slack":
        # Slack reads {text, blocks}; the signature headers still let any receiver verify it.
        body = json.dumps(slack_message(job.event_type, job.payload)).encode()
        headers["webhook-signature"] = Webhook(receiver.secret).sign(
            job.event_id, clock.now().astimezone(UTC), body.decode()
        )
    try:
        with client.stream(
            "POST",
            target.url,
            content=body,
            headers={**headers, **target.headers},
            extensions=dict(target.extensions),
        ) as response:
            code = response.status_code
            excerpt = _read_excerpt(response)
    except httpx.HTTPError as exc:
        return _Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    # The answer's text stays out of last_error: every case reader sees that.
    return _Outcome(code, None if 200 <= code < 300 else f"HTTP {code}", excerpt or None)


def _settle(
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    job: Job,
    outcome: _Outcome,
) -> datetime | None:
    """Record one attempt; returns when the delivery is next due, if it is to be retried."""
    with session_scope(sessions) as session:
        delivery = session.get(Delivery, job.delivery_id, with_for_update=True)
        if delivery is None or delivery.status not in ("pending", "cancelled"):
            return None
        now = clock.now()
        delivery.attempts += 1
        delivery.lease_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_response = outcome.response
        if outcome.error is None:
            # Sent and accepted, even if the receiver was disabled while it was in flight: the
            # record says what the receiver got.
            delivery.status = "delivered"
            delivery.delivered_at = now
            delivery.last_error = None
            return None
        if delivery.status == "cancelled":
            return None  # disabled while in flight: it failed, and it is not retried
        delivery.last_error = outcome.error
        ids = {"event": job.event_id, "event_type": job.event_type, "delivery": delivery.id}
        if delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = "dead"
            log.error("webhook delivery dead after %d attempts", delivery.attempts, extra=ids)
            return None
        log.warning("webhook delivery failed; retried later: %s", outcome.error, extra=ids)
        delivery.next_attempt_at = now + retry_delay(
            delivery.attempts,
            base=settings.webhook_backoff_base_seconds,
            cap=settings.webhook_backoff_max_seconds,
        )
        return delivery.next_attempt_at


def _serve_receiver(
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    http: httpx.Client,
    leases: Leases,
    *,
    endpoint_id: int,
    limit: int,
) -> int:
    """Send one receiver's due deliveries in order; how many were attempted.

    After an attempt that got no answer at all (refused address, unreachable, timed out) the rest
    of the batch waits as long as that delivery does, so a dead receiver costs one timeout per
    backoff step, not one per queued event. Once a connect and a read timeout's worth of time has
    gone, nothing new is started: a slow receiver cannot keep the worker's other jobs waiting.
    """
    deadline = (
        time.monotonic()
        + settings.webhook_connect_timeout_seconds
        + settings.webhook_timeout_seconds
    )
    receiver, jobs = lease(
        sessions,
        clock,
        endpoint_id=endpoint_id,
        limit=limit,
        lease=timedelta(seconds=settings.webhook_lease_seconds),
    )
    if receiver is None or not jobs:
        return 0
    leases.hold(j.delivery_id for j in jobs)
    attempted = 0
    target: egress.Target | None = None
    rest = list(jobs)
    not_before: datetime | None = None
    try:
        while rest:
            job = rest[0]
            if time.monotonic() > deadline:
                break
            if not still_wanted(sessions, job.delivery_id):
                leases.drop(rest.pop(0).delivery_id)
                continue
            try:
                # Resolved once per batch; every address it resolves to is checked.
                target = target or egress.pin(receiver.url, settings.webhook_allow_networks)
                outcome = _send(http, clock, receiver, target, job)
            except egress.Refused as exc:
                outcome = _Outcome(None, f"refused: {exc}"[:500])
            rest.pop(0)
            leases.drop(job.delivery_id)
            retry_at = _settle(sessions, clock, settings, job, outcome)
            attempted += 1
            if outcome.status_code is None:
                not_before = retry_at or clock.now()
                break
    finally:
        for job in rest:
            leases.drop(job.delivery_id)
        release(sessions, rest, not_before=not_before)
    return attempted


def make_client(settings: Settings) -> httpx.Client:
    """The HTTP client deliveries go through: short timeouts, no redirects (a redirect could lead
    to an address the checks refused), one connection pool for every receiver thread."""
    return httpx.Client(
        timeout=httpx.Timeout(
            settings.webhook_timeout_seconds, connect=settings.webhook_connect_timeout_seconds
        ),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=max(10, settings.webhook_concurrency * 2)),
    )


def deliver_due(
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    limit: int = 20,
) -> int:
    """Send what is due, up to ``limit`` deliveries per receiver, receivers side by side;
    returns how many deliveries were attempted."""
    receivers = due_receivers(sessions, clock, limit=200)
    if not receivers:
        return 0
    leases = Leases(sessions, clock, timedelta(seconds=settings.webhook_lease_seconds))
    own_client = client is None
    http = client or make_client(settings)
    try:
        with (
            leases.heartbeat(),
            ThreadPoolExecutor(
                max_workers=min(settings.webhook_concurrency, len(receivers)),
                thread_name_prefix="webhooks",
            ) as pool,
        ):
            futures = [
                pool.submit(
                    _serve_receiver,
                    sessions,
                    clock,
                    settings,
                    http,
                    leases,
                    endpoint_id=endpoint_id,
                    limit=limit,
                )
                for endpoint_id in receivers
            ]
            attempted = 0
            for future in futures:
                try:
                    attempted += future.result()
                except Exception:  # one receiver's trouble must not hide the others' work
                    log.exception("delivering to a webhook receiver failed")
            return attempted
    finally:
        if own_client:
            http.close()
