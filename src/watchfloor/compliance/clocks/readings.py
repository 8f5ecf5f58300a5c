"""Obligations as stored, read through the pure clock maths: the history a row holds, its clock
at a moment, and what events and audit entries say of it (for service.py and the views)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.cases.schemas import case_key
from watchfloor.compliance.clocks.legal_clocks import (
    ClockRefused,
    History,
    Pause,
    Reading,
    read,
    soonest_first,
)
from watchfloor.compliance.clocks.models import CaseObligation, CaseObligationPause
from watchfloor.compliance.clocks.obligations import Obligation, ObligationsConfig
from watchfloor.compliance.clocks.schemas import ObligationOut, PauseOut
from watchfloor.errors import Invalid

log = logging.getLogger("watchfloor.compliance")


@dataclass(frozen=True)
class Carried:
    """One obligation a case carries, read at a moment. ``obligation`` is None when
    config/obligations.yaml no longer defines it: the row is shown as last read, never hidden."""

    row: CaseObligation
    obligation: Obligation | None
    reading: Reading
    pauses: Sequence[CaseObligationPause]
    stale: bool = False  # read as last stored: the configuration no longer reads its history

    @property
    def case_key(self) -> str:
        return case_key(self.row.case_id)


def field_error(name: str, message: str, where: str = "body") -> Invalid:
    """A 422 naming the field (``where``: body, query) and what is wrong with it."""
    return Invalid(f"{name}: {message}", fields=[{"loc": [where, name], "msg": message}])


def obligation_or_422(config: ObligationsConfig, obligation_id: str) -> Obligation:
    """The obligation of this id; a 422 naming the field and the known ids otherwise."""
    try:
        return config.get(obligation_id)
    except KeyError as exc:
        raise field_error("obligation", str(exc.args[0])) from None


def history_of(
    row: CaseObligation, pause_rows: Sequence[CaseObligationPause], **changes: Any
) -> History:
    """What legal_clocks reads of a row and its pauses, with ``changes`` a step would make."""
    facts: dict[str, Any] = {
        "pauses": tuple(Pause(p.reason, p.started_at, p.ended_at) for p in pause_rows),
        "extended_at": row.extended_at,
        "renewals": tuple(datetime.fromisoformat(r) for r in row.renewals),
        "response_due_at": row.response_due_at,
        "done_at": row.done_at,
    }
    facts.update(changes)
    return History(**facts)


def store(row: CaseObligation, ob: Obligation, reading: Reading, now: datetime) -> None:
    """Keep the clock as read. A due time moved later (an extension, a renewal, a pause) may
    warn and breach again: each announcement is once per due time, not once per obligation."""
    warn = reading.warn_at if ob.warn_before else None
    if reading.due_at != row.due_at:
        if warn is not None and warn > now:
            row.warned_at = None
        if reading.due_at is None or reading.due_at > now:
            row.breached_at = None
    row.due_at, row.warn_at, row.state, row.updated_at = reading.due_at, warn, reading.state, now


def pauses_of(session: Session, row_ids: Sequence[int]) -> dict[int, list[CaseObligationPause]]:
    """The pauses of these obligations, oldest first."""
    found: dict[int, list[CaseObligationPause]] = {i: [] for i in row_ids}
    if row_ids:
        for p in session.scalars(
            select(CaseObligationPause)
            .where(CaseObligationPause.case_obligation_id.in_(list(row_ids)))
            .order_by(CaseObligationPause.id)
        ):
            found[p.case_obligation_id].append(p)
    return found


def carried(
    config: ObligationsConfig,
    row: CaseObligation,
    pauses: Sequence[CaseObligationPause],
    now: datetime,
) -> Carried:
    """The row read at ``now``; as last stored if its obligation or history no longer reads
    under the configuration (counsel changed a rule since): shown, and logged, not dropped."""
    ob = next((o for o in config.obligations if o.id == row.obligation_id), None)
    try:
        if ob is None:
            raise KeyError(f"{row.obligation_id!r} is no longer in config/obligations.yaml")
        return Carried(row, ob, read(ob, row.started_at, history_of(row, pauses), now), pauses)
    except (KeyError, ClockRefused) as exc:
        log.warning("obligation %s of %s reads as stored: %s", row.id, case_key(row.case_id), exc)
        left = None if row.due_at is None else row.due_at - (row.done_at or now)
        state: Any = row.state
        return Carried(
            row,
            ob,
            Reading(row.obligation_id, row.started_at, row.due_at, row.warn_at, state, left),
            pauses,
            stale=True,
        )


def about(row: CaseObligation, ob: Obligation) -> dict[str, Any]:
    """What an audit event and an outbox event say of an obligation."""
    return {
        "case": case_key(row.case_id),
        "obligation_row": row.id,
        "obligation": ob.id,
        "title": ob.title,
        "kind": ob.kind,
        "jurisdiction": ob.jurisdiction,
        "citation": ob.law.citation,
        "started_at": row.started_at.isoformat(),
        "due_at": None if row.due_at is None else row.due_at.isoformat(),
        "state": row.state,
    }


def iso(value: datetime | None) -> str | None:
    """A time as the audit log and events write it (None stays None)."""
    return None if value is None else value.isoformat()


def soonest(carried: Sequence[Carried]) -> list[Carried]:
    """The open ones, soonest due first (legal_clocks.soonest_first's order)."""
    by_reading = {id(c.reading): c for c in carried}
    return [by_reading[id(r)] for r in soonest_first(c.reading for c in carried)]


def seconds_left(reading: Reading) -> int | None:
    """Seconds left on a clock (negative once overdue), for the API and the console."""
    return None if reading.left is None else int(reading.left // timedelta(seconds=1))


def to_out(c: Carried) -> ObligationOut:
    """The API's view of one obligation and its clock."""
    row, ob, r = c.row, c.obligation, c.reading
    return ObligationOut(
        id=row.id,
        case=c.case_key,
        obligation=row.obligation_id,
        title=ob.title if ob else f"{row.obligation_id} (no longer in config/obligations.yaml)",
        kind=ob.kind if ob else "unknown",
        jurisdiction=ob.jurisdiction if ob else "unknown",
        citation=ob.law.citation if ob else "",
        law_url=ob.law.url if ob else "",
        started_at=row.started_at,
        due_at=r.due_at,
        warn_at=row.warn_at,
        state=r.state,
        left_seconds=seconds_left(r),
        response_due_at=row.response_due_at,
        extended_at=row.extended_at,
        extension_reason=row.extension_reason,
        renewals=[datetime.fromisoformat(x) for x in row.renewals],
        done_at=row.done_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        pauses=[
            PauseOut(
                reason=p.reason,
                started_at=p.started_at,
                started_by=p.started_by,
                ended_at=p.ended_at,
                ended_by=p.ended_by,
                end_note=p.end_note,
            )
            for p in c.pauses
        ],
    )
