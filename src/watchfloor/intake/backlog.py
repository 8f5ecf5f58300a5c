"""The intake backlog: reports accepted now and triaged moments later by the worker.

A system sending reports in bulk (a detector, an importer) asks for this with the standard
``Prefer: respond-async`` header (RFC 7240). Accepting a report then costs one stored row: its
arrival is durable and its SLA clocks start at once, but triage, linking and opening its case
happen in the worker's ``triage-backlog`` job, through the same ``flows.ingest`` as any report,
with the arrival time and sender it was accepted with. A report whose triage fails stays in the
backlog with its error and is retried later, with growing waits; it is never dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.bulk import insert_new_returning
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.db import core, one_of, pairs_in, session_scope
from watchfloor.intake import flows
from watchfloor.intake import service as intake
from watchfloor.intake.models import WaitingReport
from watchfloor.intake.schemas import Receipt, ReportIn
from watchfloor.runtime import Config

log = logging.getLogger("watchfloor.intake.backlog")

# How many waiting reports one round of the job triages, in one transaction when all goes well.
ROUND = 500
# A report whose triage failed is tried again after 10 s, then 20 s, 40 s… at most an hour apart.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)

_TABLE = WaitingReport.__table__


def accept(
    session: Session, now: datetime, *, config: Config, reports: list[ReportIn], actor: str
) -> list[Receipt]:
    """Store ``reports`` for triage later; one receipt per report, in order.

    Checked as strictly as reports triaged at once (a bad one refuses the whole batch), and
    idempotent the same way: a report already triaged, or already waiting, is not stored again.
    """
    flows.check(reports, config, now)
    keys = [(r.source, r.external_id) for r in reports]
    triaged = intake.find_existing(session, keys=list(dict.fromkeys(keys)))
    first: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for i, (report, key) in enumerate(zip(reports, keys, strict=True)):
        if key in triaged or key in first:
            continue
        first[key] = i
        rows.append(
            {
                "source": key[0],
                "external_id": key[1],
                "actor": actor,
                "received_at": now,
                "payload": report.model_dump_json(),
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    stored = _insert_new(session, rows)
    earlier = _arrivals(session, [k for k in first if k not in stored])
    receipts = []
    for i, key in enumerate(keys):
        found = triaged.get(key)
        if found is not None:
            receipts.append(
                Receipt(
                    source=key[0],
                    external_id=key[1],
                    status="triaged",
                    created=False,
                    report_id=found.id,
                    case=case_key(found.case_id),
                    received_at=found.received_at,
                )
            )
            continue
        created = first[key] == i and key in stored
        receipts.append(
            Receipt(
                source=key[0],
                external_id=key[1],
                status="accepted" if created else "waiting",
                created=created,
                report_id=None,
                case=None,
                received_at=earlier.get(key, now),
            )
        )
    return receipts


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Insert the rows whose (source, external_id) is not waiting yet; the keys of those stored."""
    new = insert_new_returning(
        session, _TABLE, rows, ["source", "external_id"], [_TABLE.c.source, _TABLE.c.external_id]
    )
    return {(source, external_id) for source, external_id in new}


def _arrivals(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
    """When the reports already waiting under these keys arrived."""
    if not keys:
        return {}
    found = session.execute(
        select(WaitingReport.source, WaitingReport.external_id, WaitingReport.received_at).where(
            pairs_in(session, WaitingReport.source, WaitingReport.external_id, keys)
        )
    )
    return {(source, external_id): at for source, external_id, at in found}


@dataclass(frozen=True)
class BacklogState:
    waiting: int  # reports accepted and not yet triaged
    failing: int  # of those, how many failed triage at least once
    oldest_seconds: float  # how long the oldest has waited; 0 when none


def state(db: Session | Connection, now: datetime) -> BacklogState:
    """How far behind triage is: for health checks and the floor's lead."""
    waiting, failing, oldest = db.execute(
        select(
            func.count(),
            func.count().filter(WaitingReport.attempts > 0),
            func.min(WaitingReport.received_at),
        )
    ).one()
    behind = (now - oldest).total_seconds() if oldest is not None else 0.0
    return BacklogState(waiting=waiting, failing=failing, oldest_seconds=max(behind, 0.0))


def triage_waiting(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    limit: int = ROUND,
) -> int:
    """One round of the worker's ``triage-backlog`` job: triage up to ``limit`` due reports,
    oldest first, and put each on its case; how many left the backlog.

    All in one transaction; if that fails, each report is tried in a transaction of its own, so
    one bad report neither holds back the others nor is lost: it keeps its error and waits.
    """
    ids: list[int] = []
    try:
        with session_scope(sessions) as session:
            due = _due(session, clock.now(), limit)
            ids = [w.id for w in due]
            for (actor, received_at), group in groupby(due, lambda w: (w.actor, w.received_at)):
                _ingest(session, clock, config, link_window, list(group), actor, received_at)
            _remove(session, ids)
            return len(ids)
    except Exception:  # any failure: try each report alone, below
        if not ids:
            raise
        log.warning("triage of %d waiting reports failed; trying each alone", len(ids))
    return sum(_triage_one(sessions, clock, config, link_window, i) for i in ids)


def _triage_one(
    sessions: sessionmaker[Session],
    clock: Clock,
    config: Config,
    link_window: timedelta,
    waiting_id: int,
) -> int:
    try:
        with session_scope(sessions) as session:
            due = _due(session, clock.now(), 1, only=waiting_id)
            if not due:  # another worker took it meanwhile
                return 0
            _ingest(session, clock, config, link_window, due, due[0].actor, due[0].received_at)
            _remove(session, [waiting_id])
            return 1
    except Exception as exc:  # noqa: BLE001 - recorded on the report, retried later
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning(
            "triage of waiting report %d failed: %s",
            waiting_id,
            error,
            extra={"waiting": waiting_id},
        )
    with session_scope(sessions) as session:
        waiting = session.get(WaitingReport, waiting_id, with_for_update=True)
        if waiting is not None:
            waiting.attempts += 1
            waiting.last_error = error
            waiting.next_attempt_at = clock.now() + retry_after(waiting.attempts)
    return 0


def retry_after(attempts: int) -> timedelta:
    """How long a report whose triage failed ``attempts`` times waits before the next try."""
    doubled: timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 20)
    return min(doubled, LONGEST_RETRY)


def _due(
    session: Session, now: datetime, limit: int, only: int | None = None
) -> list[WaitingReport]:
    """Reports due for triage, oldest first, locked; reports another worker holds are skipped."""
    stmt = select(WaitingReport).where(WaitingReport.next_attempt_at <= now)
    if only is not None:
        stmt = stmt.where(WaitingReport.id == only)
    stmt = stmt.order_by(WaitingReport.id).limit(limit).with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def _ingest(
    session: Session,
    clock: Clock,
    config: Config,
    link_window: timedelta,
    waiting: list[WaitingReport],
    actor: str,
    received_at: datetime,
) -> None:
    flows.ingest(
        session,
        clock,
        config=config,
        link_window=link_window,
        reports=[ReportIn.model_validate_json(w.payload) for w in waiting],
        actor=actor,
        received_at=received_at,
    )


def _remove(session: Session, ids: list[int]) -> None:
    if ids:
        core(session).execute(delete(WaitingReport).where(one_of(session, WaitingReport.id, ids)))
