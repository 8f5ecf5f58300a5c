"""The worker's ``legal-triggers`` job: read new reports and decisions (through intake's and
cases' read functions), start the obligations they attract once per case (compliance/triggers/
rules.py says which event each one is), and carry out follow-ups left pending.

Each stream is read in id order past a watermark locked FOR UPDATE, so two workers never read
the same events; the watermark moves in the transaction that starts the obligations, so a crash
mid-batch reads the batch again and starts nothing twice. An event is read only once it is
``SETTLE`` old: a transaction that took an id earlier may still be committing, and reading past
it would skip it for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.cases import decided
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.triggers import follow_ups, rules
from watchfloor.compliance.triggers.follow_ups import ACTOR, FollowUpConfig
from watchfloor.compliance.triggers.models import TriggerWatermark
from watchfloor.db import session_scope
from watchfloor.errors import Conflict
from watchfloor.intake import origins

if TYPE_CHECKING:
    from watchfloor.runtime import Config

log = logging.getLogger("watchfloor.compliance")
BATCH = 200
EVERY = timedelta(seconds=60)
SETTLE = timedelta(seconds=30)
STREAMS = ("reports", "decisions")
T = TypeVar("T")


@dataclass(frozen=True)
class Inputs:
    """What the job needs of the configuration."""

    obligations: ObligationsConfig
    follow_up: FollowUpConfig
    restricting: frozenset[str]  # action kinds that restrict (config/transparency.yaml)


def inputs_of(config: Config) -> Inputs:
    return Inputs(
        obligations=config.obligations,
        follow_up=FollowUpConfig(
            taxonomy=config.taxonomy,
            sla=config.sla,
            queues=config.queues,
            incidents=config.incidents,
        ),
        restricting=frozenset(config.transparency.actions.restrictions),
    )


def run(
    sessions: sessionmaker[Session], clock: Clock, inputs: Inputs, *, limit: int = BATCH
) -> int:
    """One round, unless every stream was read less than ``EVERY`` ago and left no backlog: how
    many events were read and pending follow-ups done."""
    with session_scope(sessions) as session:
        if not _due(session, clock.now()):
            return 0
    with session_scope(sessions) as session:
        done = read_reports(session, clock, inputs, limit=limit)
    with session_scope(sessions) as session:
        done += read_decisions(session, clock, inputs, limit=limit)
    with session_scope(sessions) as session:
        done += follow_ups.carry_pending(session, clock, inputs.obligations, inputs.follow_up)
    return done


def _due(session: Session, now: datetime) -> bool:
    marks = {m.name: m for m in session.scalars(select(TriggerWatermark))}
    return any(
        m is None or m.full or m.ran_at is None or now - m.ran_at >= EVERY
        for m in (marks.get(name) for name in STREAMS)
    )


def _mark(session: Session, name: str) -> TriggerWatermark:
    # Locked: a second worker waits here, then reads on from where this one stopped.
    mark = session.get(TriggerWatermark, name, with_for_update=True)
    if mark is None:
        mark = TriggerWatermark(name=name, last_id=0, full=False)
        session.add(mark)
        session.flush()
    return mark


def read_reports(session: Session, clock: Clock, inputs: Inputs, *, limit: int) -> int:
    """Start what up to ``limit`` new reports attract; how many were read."""
    mark = _mark(session, "reports")
    now = clock.now()
    rows = origins.arrived_after(session, after_id=mark.last_id, limit=limit)
    settled = _settled([(r.received_at, r) for r in rows], now)
    known: dict[int, tuple[str | None, str | None]] = {}
    for r in settled:
        if r.case_id not in known:
            case = cases.get(session, key=case_key(r.case_id))
            known[r.case_id] = (case.harm_area, case.suggested_policy) if case else (None, None)
        area, policy = known[r.case_id]
        arrival = rules.Arrival(
            r.report_id, r.case_id, r.source, r.reporter_kind, r.received_at, r.request_type,
            r.golden,
        )  # fmt: skip
        for start in rules.report_starts(arrival, harm_area=area, policy=policy):
            _start(session, clock, inputs, start)
    _advance(mark, [r.report_id for r in settled], now, full=len(rows) == limit)
    return len(settled)


def read_decisions(session: Session, clock: Clock, inputs: Inputs, *, limit: int) -> int:
    """Start what up to ``limit`` new decisions attract; how many were read."""
    mark = _mark(session, "decisions")
    now = clock.now()
    rows = decided.after(session, after_id=mark.last_id, limit=limit)
    settled = _settled([(d.decided_at, d) for d in rows], now)
    ids = sorted({d.case_id for d in settled})
    kinds = decided.action_kinds(session, decision_ids=[d.decision_id for d in settled])
    first = origins.first_reports(session, case_ids=ids)
    request_types = origins.first_request_types(session, case_ids=ids)
    for d in settled:
        origin = first.get(d.case_id)
        opened_by = origin and rules.Arrival(
            0, d.case_id, origin.source, origin.reporter_kind, origin.received_at,
            request_types.get(d.case_id),
        )  # fmt: skip
        made = rules.DecisionMade(
            decision_id=d.decision_id,
            case_id=d.case_id,
            decided_at=d.decided_at,
            harm_area=d.harm_area,
            policy_id=d.policy_id,
            violation=d.violation,
            rationale=d.rationale,
            actions=tuple(kinds.get(d.decision_id, ())),
            reporter_kind=origin.reporter_kind if origin else None,
            request_type=rules.request_type_of(opened_by) if opened_by else None,
            golden=d.golden,
        )
        for start in rules.decision_starts(made, restricting=inputs.restricting):
            _start(session, clock, inputs, start)
    _advance(mark, [d.decision_id for d in settled], now, full=len(rows) == limit)
    return len(settled)


def _settled(rows: list[tuple[datetime, T]], now: datetime) -> list[T]:
    """The leading events at least SETTLE old (stopping at the first younger one keeps the
    watermark from passing an id whose neighbours may still be committing)."""
    found: list[T] = []
    for at, row in rows:
        if now - at < SETTLE:
            break
        found.append(row)
    return found


def _advance(mark: TriggerWatermark, ids: list[int], now: datetime, *, full: bool) -> None:
    if ids:
        mark.last_id = ids[-1]
    mark.ran_at, mark.full = now, full


def _start(session: Session, clock: Clock, inputs: Inputs, start: rules.Start) -> None:
    """Start each obligation the event attracts that the case has never carried."""
    attracted = inputs.obligations.attracted(start.event, start.at, start.facts)
    if not attracted:
        return
    carried = {
        c.row.obligation_id
        for c in clocks.for_case(session, inputs.obligations, clock.now(), case_id=start.case_id)
    }
    for ob in attracted:
        if ob.id in carried:
            continue  # once per case: a later notice or decision does not restart it
        try:
            clocks.start(
                session,
                clock,
                inputs.obligations,
                case_id=start.case_id,
                obligation_id=ob.id,
                started_at=start.at,
                actor=ACTOR,
                follow_up=inputs.follow_up,
            )
        except Conflict:
            continue  # started by hand or by another path meanwhile: already done
        log.info(
            "legal clock %s started by %s",
            ob.id,
            start.cause,
            extra={"case": case_key(start.case_id), "obligation": ob.id},
        )
