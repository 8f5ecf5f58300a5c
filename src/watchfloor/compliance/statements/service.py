"""Statements of reasons on live decisions (DSA Art. 17 and 24(5)): the worker builds one for
every decision that restricts something, checks it against the Transparency Database's field
rules, and sends those that pass in batches; a statement that breaks a rule is never sent and
says which rules it breaks.

Decisions are read in id order from the cases room (a watermark, so a crash reads none twice and
skips none); where a case's first report came from, from intake. Golden copies (quality's
unannounced test cases) never get one: nothing was restricted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.cases import decided
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.compliance.statements.build import (
    EnforcementDecision,
    build_statement,
    needs_statement,
    user_statement,
)
from watchfloor.compliance.statements.client import BatchResult, submit_batch
from watchfloor.compliance.statements.config import TransparencyConfig
from watchfloor.compliance.statements.models import StatementOfReasons, StatementWatermark
from watchfloor.compliance.statements.rules import validate_statement
from watchfloor.compliance.statements.vocabulary import EEA_COUNTRIES
from watchfloor.db import session_scope
from watchfloor.intake import origins

INVALID, READY, SUBMITTED, FAILED = "invalid", "ready", "submitted", "failed"
# The regions a case may carry that put its user in the EEA; "EU" is the whole of it.
EEA_REGIONS = frozenset({"EU", "EEA", *EEA_COUNTRIES})
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Prepared:
    """What one run of ``prepare`` did."""

    read: int  # decisions looked at
    built: int  # statements stored (ready or invalid)
    invalid: int


def territorial_scope(region: str | None, mapping: TransparencyConfig) -> tuple[str, ...] | None:
    """Where the decision applies in the EEA, from the case's region; None when the case is
    outside it (no statement is due to the Commission). A case without a region is taken to be
    in scope: sending one too many is better than missing one."""
    if region is None or region.upper() in ("EU", "EEA"):
        return tuple(mapping.platform.default_territorial_scope)
    code = "GR" if region.upper() == "EL" else region.upper()
    return (code,) if code in EEA_COUNTRIES else None


def prepare(
    session: Session, clock: Clock, *, mapping: TransparencyConfig, limit: int = 500
) -> Prepared:
    """Build and check the statements of up to ``limit`` decisions taken since the last run."""
    # Locked: two workers never read the same decisions (the second waits, then reads on).
    mark = session.get(StatementWatermark, "decisions", with_for_update=True)
    if mark is None:
        mark = StatementWatermark(name="decisions", last_decision_id=0)
        session.add(mark)
    rows = decided.after(session, after_id=mark.last_decision_id, limit=limit)
    if not rows:
        return Prepared(0, 0, 0)
    kinds = decided.action_kinds(session, decision_ids=[d.decision_id for d in rows])
    first = origins.first_reports(session, case_ids=sorted({d.case_id for d in rows}))
    built = invalid = 0
    now = clock.now()
    for row in rows:
        origin = first.get(row.case_id)
        scope = territorial_scope(row.region, mapping)
        actions = tuple(kinds.get(row.decision_id, ()))
        if row.golden or not row.violation or origin is None or scope is None:
            continue
        decision = _decision(row, actions, origin, scope)
        if not needs_statement(decision, mapping):
            continue
        body = build_statement(decision, mapping)
        problems = [str(p) for p in validate_statement(body)]
        state = INVALID if problems else READY
        session.add(
            StatementOfReasons(
                decision_id=row.decision_id,
                case_id=row.case_id,
                puid=str(body["puid"]),
                body=body,
                problems=problems,
                user_text=user_statement(decision, body, redress=mapping.redress),
                state=state,
                next_attempt_at=now if state == READY else None,
                created_at=now,
            )
        )
        audit.record(
            session, at=now, actor="system:statements", action="statement.built",
            object_type="case", object_id=row.case_key,
            after={"decision_id": row.decision_id, "state": state, "problems": problems},
        )  # fmt: skip
        built += 1
        invalid += state == INVALID
    mark.last_decision_id = rows[-1].decision_id
    return Prepared(len(rows), built, invalid)


def _decision(
    row: decided.Decided,
    actions: tuple[str, ...],
    origin: origins.Origin,
    scope: tuple[str, ...],
) -> EnforcementDecision:
    detector = origin.source.startswith("detector") or origin.reporter_kind == "detector"
    return EnforcementDecision(
        decision_id=row.decision_id,
        case_key=row.case_key,
        policy_id=row.policy_id,
        harm_area=row.harm_area,
        actions=actions,
        source=origin.source,
        reporter_kind=origin.reporter_kind,
        notifier=origin.reporter_id if origin.reporter_kind == "trusted_flagger" else None,
        automated_detection=detector,
        # Every decision in Watchfloor is a person's (triage only suggests).
        automated_decision="none",
        # Reports are about posts, messages and accounts whose medium intake does not record;
        # text is what every one of them carries.
        content_types=("text",),
        # When the content was posted is not known; the first report of it is the earliest date
        # Watchfloor has, and never later than the truth.
        content_date=origin.received_at.date(),
        application_date=row.decided_at.date(),
        facts=row.rationale,
        content_language=row.language,
        territorial_scope=scope,
    )


def submit_due(
    session: Session,
    clock: Clock,
    *,
    mapping: TransparencyConfig,
    token: str,
    client: httpx.Client,
) -> int:
    """Send one batch of the statements due to be sent; how many were sent."""
    now = clock.now()
    due = list(
        session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.state == READY, StatementOfReasons.next_attempt_at <= now)
            .order_by(StatementOfReasons.id)
            .limit(mapping.database.batch_size)
            .with_for_update(skip_locked=True)
        )
    )
    if not due:
        return 0
    result = submit_batch(
        [s.body for s in due], base_url=str(mapping.database.base_url), token=token, client=client
    )
    for index, statement in enumerate(due):
        _settle(session, statement, result, index, now=now, mapping=mapping)
    return len(due)


def _settle(
    session: Session,
    statement: StatementOfReasons,
    result: BatchResult,
    index: int,
    *,
    now: datetime,
    mapping: TransparencyConfig,
) -> None:
    statement.attempts += 1
    before = statement.state
    if result.outcome == "created" and statement.puid in result.ids:
        statement.state, statement.database_id = SUBMITTED, result.ids[statement.puid]
        statement.submitted_at, statement.next_attempt_at = now, None
    elif result.outcome == "duplicate_puid" and statement.puid in result.duplicate_puids:
        # The Database already holds it: an earlier attempt got through but its answer was lost.
        statement.state, statement.submitted_at, statement.next_attempt_at = SUBMITTED, now, None
        statement.last_error = "the Database already held this puid"
    elif result.outcome == "invalid" and f"statement_{index}" in result.errors:
        statement.state, statement.next_attempt_at = FAILED, None
        statement.last_error = _fields(result.errors[f"statement_{index}"])
    elif result.outcome == "refused":
        statement.state, statement.next_attempt_at = FAILED, None
        statement.last_error = f"refused ({result.status}): {result.message}"
    elif statement.attempts >= mapping.database.max_attempts:
        statement.state, statement.next_attempt_at = FAILED, None
        statement.last_error = f"gave up after {statement.attempts} attempts: {result.message}"
    else:
        # Its batch failed for another statement's sake, or the Database was busy: again later.
        wait = min(FIRST_RETRY * 2 ** (statement.attempts - 1), LONGEST_RETRY)
        if result.retry_after is not None:
            wait = max(wait, timedelta(seconds=result.retry_after))
        statement.next_attempt_at = now + wait
        statement.last_error = result.message or result.outcome
    if statement.state != before:
        audit.record(
            session, at=now, actor="system:statements", action=f"statement.{statement.state}",
            object_type="case", object_id=case_key(statement.case_id),
            after={"puid": statement.puid, "database_id": statement.database_id,
                   "error": statement.last_error},
        )  # fmt: skip


def _fields(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in sorted(errors.items()))


def of_case(session: Session, *, case_id: int) -> list[StatementOfReasons]:
    """The statements of a case's decisions, oldest first."""
    return list(
        session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.case_id == case_id)
            .order_by(StatementOfReasons.id)
        )
    )


def work(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    mapping: TransparencyConfig,
    token: str | None,
) -> int:
    """The worker's round: build the statements of new decisions, then (with a token) send one
    batch of those due; how much was done. Without a token statements wait, ready, and the
    console shows them so."""
    with session_scope(sessions) as session:
        done = prepare(session, clock, mapping=mapping).read
    if not token:
        return done
    with (
        httpx.Client(timeout=mapping.database.timeout_seconds) as client,
        session_scope(sessions) as session,
    ):
        return done + submit_due(session, clock, mapping=mapping, token=token, client=client)
