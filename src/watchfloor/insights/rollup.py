"""The worker's ``insights-rollup`` job: keep the metrics' summary tables up to date.

Each run reads the cases changed since its watermark (cases.facts), in batches, and rewrites
what each contributes (insight_cases, insight_events); the UTC days whose counts that changes
(before and after) are marked dirty in the same transaction. QA verdicts given since the QA
watermark are stored the same way. Then the dirty days' rows of insight_daily are rebuilt from
those tables, so a run repeated never counts anything twice.
"""

from __future__ import annotations

import typing
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.cases import facts as case_facts
from watchfloor.cases.facts import CaseFacts
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import Clock
from watchfloor.db import core, session_scope
from watchfloor.insights import recount
from watchfloor.insights.histogram import bucket_of
from watchfloor.insights.models import (
    ANY,
    NONE,
    InsightCase,
    InsightDirtyDay,
    InsightEvent,
    InsightQa,
    InsightRollupState,
)
from watchfloor.intake import origins
from watchfloor.quality import service as quality

BATCH = 2000
EVERY = timedelta(seconds=60)
FAR = datetime(9999, 12, 31, tzinfo=UTC)
DIMS = recount.DIMS
DAYS_PER_REBUILD = 31


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date()


def _dim(value: str | None) -> str:
    return NONE if not value or value == ANY else value


@dataclass(frozen=True)
class Done:
    cases: int
    verdicts: int
    days: int


def run(
    sessions: sessionmaker[Session], clock: Clock, *, every: timedelta = EVERY, batch: int = BATCH
) -> int:
    """One run of the job, unless the last began less than ``every`` ago (finding the changed
    cases reads the cases table): how many cases and verdicts it read, and days it rebuilt."""
    with session_scope(sessions) as session:
        last = fresh_as_of(session)
    if last is not None and clock.now() - last < every:
        return 0
    done = catch_up(sessions, clock, batch=batch)
    return done.cases + done.verdicts + done.days


def catch_up(sessions: sessionmaker[Session], clock: Clock, *, batch: int = BATCH) -> Done:
    """Read every change since the watermarks, then rebuild the days they touched."""
    began = clock.now()
    cases = 0
    while True:
        with session_scope(sessions) as session:
            found = _next_cases(session, batch=batch, now=began)
            cases += found
        if found < batch:
            break
    with session_scope(sessions) as session:
        verdicts = _new_verdicts(session)
    days = 0
    while True:
        with session_scope(sessions) as session:
            rebuilt = recount.rebuild_dirty(session, limit=DAYS_PER_REBUILD)
            days += rebuilt
            if rebuilt < DAYS_PER_REBUILD:
                _state(session, "cases").fresh_as_of = began
                break
    return Done(cases=cases, verdicts=verdicts, days=days)


def fresh_as_of(session: Session) -> datetime | None:
    """When the last run that caught up began: the tables hold every change before it."""
    return session.scalar(
        select(InsightRollupState.fresh_as_of).where(InsightRollupState.name == "cases")
    )


def _state(session: Session, name: str) -> InsightRollupState:
    state = session.get(InsightRollupState, name, with_for_update=True)
    if state is None:
        state = InsightRollupState(name=name, last_id=0)
        session.add(state)
        session.flush()
    return state


def _next_cases(session: Session, *, batch: int, now: datetime) -> int:
    state = _state(session, "cases")
    if state.at is None:  # the first full reading, by id
        if state.started_at is None:
            state.started_at = now
        found = case_facts.after_id(session, after=state.last_id, limit=batch)
        stored = session.scalar(
            select(InsightCase.case_id).where(InsightCase.case_id > state.last_id).limit(1)
        )
        if found:
            store_cases(session, found, fresh=stored is None)
            state.last_id = found[-1].case_id
        if len(found) < batch:
            # Done: what changed since it began is read again by time (counted once anyway).
            state.at, state.last_id = state.started_at, 0
        return len(found)
    found = case_facts.changed_since(session, after=(state.at, state.last_id), limit=batch)
    if found:
        store_cases(session, found)
        state.at, state.last_id = found[-1].updated_at, found[-1].case_id
    return len(found)


def _new_verdicts(session: Session) -> int:
    state = _state(session, "qa")
    changed = quality.verdicts_changed(session, since=state.at)
    if not changed:
        return 0
    rows: list[dict[str, Any]] = []
    for decision_id, key, decided_at, agrees, _ in changed:
        case_id = parse_case_key(key)
        if case_id is not None:
            day = day_of(decided_at)
            rows.append(
                {"decision_id": decision_id, "case_id": case_id, "day": day, "agrees": agrees}
            )
    ids = [r["decision_id"] for r in rows]
    session.execute(delete(InsightQa).where(InsightQa.decision_id.in_(ids)))
    if rows:
        session.execute(insert(InsightQa), rows)
    _mark(session, {r["day"] for r in rows})
    state.at = changed[-1][4]
    return len(changed)


def store_cases(session: Session, found: Sequence[CaseFacts], *, fresh: bool = False) -> None:
    """Rewrite what these cases contribute, and mark dirty the days whose counts that changes.
    ``fresh``: none of them has rows yet (a first full reading), so there is nothing to read
    or delete first."""
    ids = [f.case_id for f in found]
    before = Counter[tuple[Any, ...]]() if fresh else _counted(session, ids)
    sources = origins.first_sources(session, case_ids=ids)
    if not fresh:
        session.execute(delete(InsightCase).where(InsightCase.case_id.in_(ids)))
        session.execute(delete(InsightEvent).where(InsightEvent.case_id.in_(ids)))
    cases = [case_row(f, sources.get(f.case_id)) for f in found]
    events = [e for f, c in zip(found, cases, strict=True) for e in event_rows(f, c)]
    # Core inserts: the ORM's bulk path costs more than the database on a first full reading.
    core(session).execute(_INSERT_CASES, cases)
    if events:
        core(session).execute(_INSERT_EVENTS, events)
    after = _counted(session, ids) if not fresh else _signature(cases, events, [])
    # A case touched without a change to what it counts (claimed, noted) dirties no day.
    _mark(session, (key[1] for key in (before - after) + (after - before)))


_INSERT_CASES = insert(typing.cast(Table, InsightCase.__table__))
_INSERT_EVENTS = insert(typing.cast(Table, InsightEvent.__table__))
_PER_CASE = (
    ("opened", "created_day", None),
    ("first_action", "first_action_day", "first_action_bucket"),
    ("resolution", "resolved_day", "resolution_bucket"),
    ("sla_first", "first_action_sla_day", "first_action_met"),
    ("sla_resolve", "resolve_sla_day", "resolve_met"),
)


def _signature(
    cases: Iterable[dict[str, Any]],
    events: Iterable[dict[str, Any]],
    verdicts: Iterable[tuple[int, date, bool]],
) -> Counter[tuple[Any, ...]]:
    """(measure, day, key, dimensions...) of everything these rows count."""
    counted: Counter[tuple[Any, ...]] = Counter()
    dims_of = {}
    for c in cases:
        dims = tuple(c[d] for d in DIMS)
        dims_of[c["case_id"]] = dims
        for measure, day_column, key_column in _PER_CASE:
            if c[day_column] is not None:
                key = None if key_column is None else c[key_column]
                counted[(measure, c[day_column], key, *dims)] += 1
    for e in events:
        counted[(e["measure"], e["day"], e["key"], *(e[d] for d in DIMS))] += 1
    for case_id, verdict_day, agrees in verdicts:
        counted[("qa", verdict_day, agrees, *dims_of.get(case_id, ()))] += 1
    return counted


def _counted(session: Session, ids: list[int]) -> Counter[tuple[Any, ...]]:
    """The signature of these cases' rows as stored."""
    c, e, q = InsightCase, InsightEvent, InsightQa
    columns = [
        c.case_id,
        *(getattr(c, d) for d in DIMS),
        *(getattr(c, day) for _, day, _ in _PER_CASE),
        *(getattr(c, key) for _, _, key in _PER_CASE if key is not None),
    ]
    cases = [dict(r._mapping) for r in session.execute(select(*columns).where(c.case_id.in_(ids)))]
    events = [
        dict(r._mapping)
        for r in session.execute(
            select(e.measure, e.day, e.key, *(getattr(e, d) for d in DIMS)).where(
                e.case_id.in_(ids)
            )
        )
    ]
    verdicts = [
        (case_id, day, agrees)
        for case_id, day, agrees in session.execute(
            select(q.case_id, q.day, q.agrees).where(q.case_id.in_(ids))
        )
    ]
    return _signature(cases, events, verdicts)


def _mark(session: Session, days: Iterable[date]) -> None:
    wanted = set(days)
    if not wanted:
        return
    have = set(
        session.scalars(select(InsightDirtyDay.day).where(InsightDirtyDay.day.in_(wanted))).all()
    )
    if wanted - have:
        session.execute(insert(InsightDirtyDay), [{"day": d} for d in sorted(wanted - have)])


def _clock(
    done_at: datetime | None, due_at: datetime, breached_at: datetime | None
) -> tuple[date | None, bool | None]:
    """When an SLA clock ended and whether it was met; (None, None) while it runs."""
    if done_at is not None and done_at <= due_at and breached_at is None:
        return day_of(done_at), True
    if breached_at is not None:
        return day_of(breached_at), False
    if done_at is not None:
        return day_of(done_at), False  # late, before the sweep marked it
    return None, None


def case_row(f: CaseFacts, source: str | None) -> dict[str, Any]:
    """What a case contributes to insight_cases."""
    fa_day, fa_met = _clock(f.first_action_at, f.first_action_due_at, f.first_action_breached_at)
    res_day, res_met = _clock(f.resolved_at, f.resolve_due_at, f.resolve_breached_at)
    return {
        "case_id": f.case_id,
        "harm_area": _dim(f.harm_area),
        "source": _dim(source),
        "region": _dim(f.region),
        "language": _dim(f.language),
        "created_at": f.created_at,
        "open_until": f.resolved_at or FAR,
        "created_day": day_of(f.created_at),
        "first_action_day": day_of(f.first_action_at) if f.first_action_at else None,
        "first_action_bucket": (
            bucket_of((f.first_action_at - f.created_at).total_seconds())
            if f.first_action_at
            else None
        ),
        "resolved_day": day_of(f.resolved_at) if f.resolved_at else None,
        "resolution_bucket": (
            bucket_of((f.resolved_at - f.created_at).total_seconds()) if f.resolved_at else None
        ),
        "first_action_sla_day": fa_day,
        "first_action_met": fa_met,
        "resolve_sla_day": res_day,
        "resolve_met": res_met,
    }


def event_rows(f: CaseFacts, row: dict[str, Any]) -> list[dict[str, Any]]:
    """What a case contributes to insight_events: decisions (by policy and verdict), actions,
    resolutions, reopens, and decisions taken again after a reopen (and those that changed)."""
    found: list[tuple[str, str, datetime]] = []
    for d in f.decisions:
        found.append(("decision", d.policy_id, d.at))
        found.append(("violation", "yes" if d.violation else "no", d.at))
    found += [("action", kind, at) for at, kind in f.actions]
    found += [("resolve", "", at) for at in f.resolutions]
    found += [("reopen", "", at) for at in f.reopens]
    again: set[int] = set()
    for reopened in f.reopens:
        before = [d for d in f.decisions if d.at <= reopened]
        after = [i for i, d in enumerate(f.decisions) if d.at > reopened]
        if not after or after[0] in again:
            continue  # not decided again yet, or already counted for an earlier reopen
        again.add(after[0])
        new = f.decisions[after[0]]
        found.append(("redecided", "", new.at))
        if before and (before[-1].policy_id, before[-1].violation) != (
            new.policy_id,
            new.violation,
        ):
            found.append(("overturned", "", new.at))
    dims = {d: row[d] for d in DIMS}
    return [
        {"case_id": f.case_id, "day": day_of(at), "measure": m, "key": k, **dims}
        for m, k, at in found
    ]
