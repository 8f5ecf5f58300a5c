"""Appeals (DSA Art. 20): lodge, read, decide, and count them for the transparency report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.cases import decided
from watchfloor.cases.schemas import case_key
from watchfloor.compliance.appeals import rules
from watchfloor.compliance.appeals.models import Appeal
from watchfloor.compliance.appeals.schemas import AppealedDecisionOut, AppealOut
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.clocks.readings import Carried
from watchfloor.compliance.statements.config import TransparencyConfig
from watchfloor.errors import NotFound


@dataclass(frozen=True)
class AppealTally:
    received: int
    decided: int
    upheld: int
    overturned: int
    pending: int
    median_hours_to_decide: float | None


def tally(session: Session, *, start: datetime, end: datetime) -> AppealTally:
    """Appeals received in [start, end); decided/upheld/overturned among them; pending now."""
    rows = session.execute(
        select(Appeal.outcome, Appeal.received_at, Appeal.decided_at).where(
            Appeal.received_at >= start, Appeal.received_at < end
        )
    ).all()
    hours = [
        (decided_at - received_at).total_seconds() / 3600
        for outcome, received_at, decided_at in rows
        if outcome is not None and decided_at is not None
    ]
    upheld = sum(1 for outcome, _, _ in rows if outcome == "upheld")
    overturned = sum(1 for outcome, _, _ in rows if outcome == "overturned")
    return AppealTally(
        received=len(rows),
        decided=upheld + overturned,
        upheld=upheld,
        overturned=overturned,
        pending=len(rows) - upheld - overturned,
        median_hours_to_decide=median(hours) if hours else None,
    )


def get_or_raise(session: Session, *, appeal_id: int, for_update: bool = False) -> Appeal:
    stmt = select(Appeal).where(Appeal.id == appeal_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"no appeal {appeal_id}")
    return row


def of_case(session: Session, *, case_id: int) -> list[Appeal]:
    """A case's appeals, oldest first."""
    return list(
        session.scalars(select(Appeal).where(Appeal.case_id == case_id).order_by(Appeal.id))
    )


def list_appeals(session: Session, *, state: str, limit: int = 500) -> list[Appeal]:
    """Open appeals (oldest received first: the soonest due, as every clock runs the same
    span) or decided ones (latest decided first)."""
    stmt = select(Appeal).where(Appeal.state == state)
    if state == "open":
        stmt = stmt.order_by(Appeal.received_at, Appeal.id)
    else:
        stmt = stmt.order_by(Appeal.decided_at.desc(), Appeal.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def open_clock(
    session: Session, config: ObligationsConfig, now: datetime, *, case_id: int
) -> Carried | None:
    """The case's open dsa_20_decide_appeal clock, if it carries one."""
    return next(
        (
            c
            for c in clocks.for_case(session, config, now, case_id=case_id)
            if c.row.obligation_id == rules.DECIDE and c.reading.state not in CLOSED_STATES
        ),
        None,
    )


def restricting(kinds: Iterable[str], transparency: TransparencyConfig) -> list[str]:
    """The kinds of action among ``kinds`` that restrict the user (the statements mapping's)."""
    restrictions = transparency.actions.restrictions
    return [k for k in kinds if k in restrictions]


def to_out(
    session: Session,
    rows: Sequence[Appeal],
    *,
    obligations: ObligationsConfig,
    transparency: TransparencyConfig,
    now: datetime,
) -> list[AppealOut]:
    """The appeals as the API shows them, with the decision appealed and the open clock."""
    ids = sorted({r.decision_id for r in rows})
    found = decided.by_ids(session, ids=ids)
    kinds = decided.action_kinds(session, decision_ids=ids)
    due: dict[int, datetime | None] = {}
    if any(r.state == "open" for r in rows):
        for c in clocks.list_open(session, obligations, now, limit=5000):
            if c.row.obligation_id == rules.DECIDE:
                due[c.row.case_id] = c.reading.due_at
    out = []
    for r in rows:
        d = found[r.decision_id]
        restricted = bool(restricting(kinds.get(r.decision_id, []), transparency))
        out.append(
            AppealOut(
                id=r.id,
                case=case_key(r.case_id),
                decision=AppealedDecisionOut(
                    id=d.decision_id,
                    policy_id=d.policy_id,
                    violation=d.violation,
                    decided_by=d.decided_by,
                    decided_at=d.decided_at,
                    actions=kinds.get(r.decision_id, []),
                    restricted=restricted,
                ),
                appellant=r.appellant_kind,
                appellant_id=r.appellant_id,
                reasons=r.reasons,
                received_at=r.received_at,
                window_closes_at=r.window_closes_at,
                source=r.source,
                external_id=r.external_id,
                state=r.state,
                due_at=due.get(r.case_id) if r.state == "open" else None,
                outcome=r.outcome,
                outcome_reasons=r.outcome_reasons,
                changes=r.changes,
                reversed=r.outcome == "overturned" and restricted,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
                answer=r.answer,
            )
        )
    return out


def soonest_first(found: list[AppealOut]) -> list[AppealOut]:
    """Open appeals by their clock's due time (appeals of one case share its clock)."""
    return sorted(found, key=lambda a: (a.due_at is None, a.due_at or a.received_at, a.id))
