"""Operational metrics at ``/metrics``, in the Prometheus text format.

Every figure is read from the database when Prometheus scrapes, by a few aggregate queries
through the rooms' services (``FloorCollector``). So the answer is the same whichever web process
gives it, survives restarts, and costs intake nothing: reports received are counted from the
tables, not by a counter each request would bump in one process's memory.

Who may read them: with ``WATCHFLOOR_METRICS_TOKEN`` set, callers sending it as a bearer token;
without it, only this machine (a loopback address), e.g. a Prometheus or an agent beside it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.clock import Clock
from watchfloor.deps import RuntimeDep
from watchfloor.intake import backlog
from watchfloor.intake import service as intake
from watchfloor.notify import service as notify
from watchfloor.oncall import service as oncall
from watchfloor.queues import service as queues
from watchfloor.triage.taxonomy import Priority

log = logging.getLogger("watchfloor.metrics")

# The classic text format (0.0.4): what every Prometheus version and agent reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PRIORITIES = [p.label for p in Priority]
CLOCKS = ("first_action", "resolution")
RISKS = ("warning", "breached")


@dataclass(frozen=True)
class Reading:
    """What the database says at one moment; turned into metrics by ``families``."""

    now: datetime
    received: dict[str, int]
    depth: list[tuple[str, int, int, datetime]]
    at_risk: list[tuple[str, str, str, int]]
    webhooks: list[tuple[str, int, datetime | None, int]]
    email: tuple[int, datetime | None, int]
    pages: list[tuple[str, int, datetime]]
    backlog: backlog.BacklogState


def read(session: Session, now: datetime) -> Reading:
    """Read every figure: one aggregate query per room (two for the outbox, two for clocks)."""
    return Reading(
        now=now,
        received=intake.received_by_source(session),
        depth=queues.depth_by_queue_and_priority(session),
        at_risk=queues.clocks_at_risk(session, now=now),
        webhooks=notify.outbox_backlog(session),
        email=notify.email_backlog(session),
        pages=oncall.unacknowledged_pages(session),
        backlog=backlog.state(session, now),
    )


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def families(reading: Reading, *, queue_names: Sequence[str]) -> list[Metric]:
    """The metrics of ``reading``. Every configured queue, priority, clock and severity has its
    series even at zero, so an alert on "no longer zero" sees the series before it changes."""
    now = reading.now
    received = CounterMetricFamily(
        "watchfloor_reports_received",
        "Reports received (stored or waiting for triage), by source.",
        labels=["source"],
    )
    for source, n in sorted(reading.received.items()):
        received.add_metric([source], n)

    waiting = GaugeMetricFamily(
        "watchfloor_queue_waiting_cases",
        "Cases waiting to be claimed, by queue and priority.",
        labels=["queue", "priority"],
    )
    oldest = GaugeMetricFamily(
        "watchfloor_queue_oldest_waiting_seconds",
        "Age of the oldest case waiting to be claimed, by queue and priority (0: none waiting).",
        labels=["queue", "priority"],
    )
    depth = {(q, Priority(p).label): (n, at) for q, p, n, at in reading.depth}
    names = list(dict.fromkeys([*queue_names, *(q for q, _ in depth)]))
    for queue in names:
        for priority in PRIORITIES:
            n, at = depth.get((queue, priority), (0, None))
            waiting.add_metric([queue, priority], n)
            oldest.add_metric([queue, priority], _age(now, at))

    at_risk = GaugeMetricFamily(
        "watchfloor_sla_clocks_at_risk",
        "Running SLA clocks of open cases in warning or breached, by queue and clock.",
        labels=["queue", "clock", "state"],
    )
    risk = {(q, c, s): n for q, c, s, n in reading.at_risk}
    for queue in list(dict.fromkeys([*names, *(q for q, _, _ in risk)])):
        for clock in CLOCKS:
            for state in RISKS:
                at_risk.add_metric([queue, clock, state], risk.get((queue, clock, state), 0))

    labels = ["channel", "receiver"]
    undelivered = GaugeMetricFamily(
        "watchfloor_outbox_undelivered",
        "Outbox messages not delivered yet, by channel and active receiver.",
        labels=labels,
    )
    lag = GaugeMetricFamily(
        "watchfloor_outbox_lag_seconds",
        "Age of the oldest outbox message not delivered yet (0: none).",
        labels=labels,
    )
    dead = GaugeMetricFamily(
        "watchfloor_outbox_dead",
        "Outbox messages given up on after their last retry.",
        labels=labels,
    )
    email_waiting, email_oldest, email_dead = reading.email
    for channel, receiver, n, at, given_up in [
        *(("webhook", name, n, at, d) for name, n, at, d in reading.webhooks),
        ("email", "smtp", email_waiting, email_oldest, email_dead),
    ]:
        undelivered.add_metric([channel, receiver], n)
        lag.add_metric([channel, receiver], _age(now, at))
        dead.add_metric([channel, receiver], given_up)

    unacked = GaugeMetricFamily(
        "watchfloor_pages_unacknowledged",
        "On-call pages triggered and not acknowledged yet, by severity.",
        labels=["severity"],
    )
    unacked_age = GaugeMetricFamily(
        "watchfloor_pages_oldest_unacknowledged_seconds",
        "Age of the oldest unacknowledged page, by severity (0: none).",
        labels=["severity"],
    )
    pages = {severity: (n, at) for severity, n, at in reading.pages}
    for severity in list(dict.fromkeys([*PRIORITIES, *pages])):
        n, at = pages.get(severity, (0, None))
        unacked.add_metric([severity], n)
        unacked_age.add_metric([severity], _age(now, at))

    behind = reading.backlog
    return [
        received,
        waiting,
        oldest,
        at_risk,
        undelivered,
        lag,
        dead,
        unacked,
        unacked_age,
        GaugeMetricFamily(
            "watchfloor_intake_backlog_waiting",
            "Reports accepted for later triage (Prefer: respond-async) and not triaged yet.",
            value=behind.waiting,
        ),
        GaugeMetricFamily(
            "watchfloor_intake_backlog_failing",
            "Of the reports waiting for triage, those whose triage failed at least once.",
            value=behind.failing,
        ),
        GaugeMetricFamily(
            "watchfloor_intake_backlog_oldest_seconds",
            "How long the oldest report waiting for triage has waited (0: none).",
            value=behind.oldest_seconds,
        ),
    ]


class FloorCollector(Collector):
    """Reads the figures from the database each time it is collected (at scrape time)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, *, queue_names: Sequence[str]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.queue_names = queue_names

    def collect(self) -> Iterable[Metric]:
        with self.sessions() as session:  # reads only: closed, never committed
            reading = read(session, self.clock.now())
        return families(reading, queue_names=self.queue_names)


def _is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def check_access(request: Request, token: SecretStr | None) -> None:
    """Raise 401/403 unless the caller may read metrics (see the module's docstring)."""
    if token is None:
        if not _is_loopback(request.client.host if request.client else None):
            raise HTTPException(
                403,
                "metrics are served only to this machine while WATCHFLOOR_METRICS_TOKEN is not "
                "set; set it and scrape with 'Authorization: Bearer <token>'",
            )
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise HTTPException(
            401,
            "metrics need 'Authorization: Bearer <WATCHFLOOR_METRICS_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter()


# Not in the OpenAPI document: it is for Prometheus, in its own format, not part of the JSON API.
@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """The floor's figures for Prometheus, read from the database now."""
    check_access(request, runtime.settings.metrics_token)
    collector = FloorCollector(
        runtime.sessions, runtime.clock, queue_names=[q.name for q in runtime.config.queues.queues]
    )
    try:
        body = generate_latest(collector)
    except SQLAlchemyError as exc:
        log.error("metrics unavailable: database error: %s", exc)
        return JSONResponse(
            {
                "detail": "metrics are unavailable: the database cannot be reached",
                "code": "unavailable",
            },
            status_code=503,
        )
    return Response(body, media_type=CONTENT_TYPE)
