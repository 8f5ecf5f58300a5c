"""Golden sets: decided cases a lead marks with their agreed verdict; copies of them are mixed
into analysts' queues unannounced (the worker's ``qa-golden`` job) and whoever decides a copy
is scored against the agreed verdict.

The cases room opens the copies (``cases.golden``) and keeps them from acting on anything; this
module keeps the set, decides when a queue gets a copy, and scores the first decision on each
copy (the one given without knowing), per analyst, with its Wilson interval.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases import golden as copies
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.quality import agreement
from watchfloor.quality.agreement import Estimate
from watchfloor.quality.config import Golden as GoldenConfig
from watchfloor.quality.models import QaGolden, QaGoldenCopy
from watchfloor.sla.policy import SlaConfig
from watchfloor.triage.taxonomy import Taxonomy

ACTOR = "system:quality"


def _object_id(golden_id: int) -> str:
    return f"GOLD-{golden_id}"


def get_or_raise(session: Session, *, golden_id: int, for_update: bool = False) -> QaGolden:
    row = session.get(QaGolden, golden_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no golden case {_object_id(golden_id)}")
    return row


def list_golden(session: Session, *, include_retired: bool = True) -> Sequence[QaGolden]:
    """The golden set: active ones first, newest first."""
    query = select(QaGolden).order_by(QaGolden.retired_at.is_not(None), QaGolden.id.desc())
    if not include_retired:
        query = query.where(QaGolden.retired_at.is_(None))
    return session.scalars(query).all()


def mark(
    session: Session,
    clock: Clock,
    taxonomy: Taxonomy,
    *,
    case_key: str,
    by: User,
    policy_id: str,
    violation: bool,
    explanation: str,
) -> QaGolden:
    """Mark decided case ``case_key`` golden with its agreed verdict; a retired one is marked
    again with the new verdict. 422 on an unknown policy, 404/409 on a case that cannot be."""
    if taxonomy.policy(policy_id) is None:
        raise Invalid(
            f"unknown policy {policy_id!r}",
            fields=[{"loc": ["body", "policy_id"], "msg": "not a policy of the taxonomy"}],
        )
    if not explanation.strip():
        raise Invalid(
            "explain the agreed verdict",
            fields=[{"loc": ["body", "explanation"], "msg": "required"}],
        )
    source = copies.source(session, key=case_key)
    now = clock.now()
    row = session.scalar(
        select(QaGolden).where(QaGolden.case_id == source.case_id).with_for_update()
    )
    before = None
    if row is not None:
        if row.retired_at is None:
            raise Conflict(f"{source.key} is already golden ({_object_id(row.id)})")
        before = {"policy_id": row.policy_id, "violation": row.violation, "retired": True}
        row.retired_at, row.retired_by = None, None
    else:
        row = QaGolden(case_id=source.case_id, case_key=source.key)
        session.add(row)
    row.queue, row.harm_area = source.queue, source.harm_area
    row.policy_id, row.violation, row.explanation = policy_id, violation, explanation.strip()
    row.marked_by, row.marked_at = by.username, now
    session.flush()
    audit.record(
        session,
        at=now,
        actor=f"user:{by.username}",
        action="qa.golden_marked",
        object_type="qa_golden",
        object_id=_object_id(row.id),
        before=before,
        after={
            "case": source.key,
            "policy_id": policy_id,
            "violation": violation,
            "explanation": row.explanation,
        },
    )
    return row


def retire(session: Session, clock: Clock, *, golden_id: int, by: User) -> QaGolden:
    """Stop opening copies of this golden case (those open stay, and are still scored)."""
    row = get_or_raise(session, golden_id=golden_id, for_update=True)
    if row.retired_at is not None:
        raise Conflict(f"{_object_id(row.id)} was already retired by {row.retired_by}")
    row.retired_at, row.retired_by = clock.now(), by.username
    audit.record(
        session,
        at=row.retired_at,
        actor=f"user:{by.username}",
        action="qa.golden_retired",
        object_type="qa_golden",
        object_id=_object_id(row.id),
        after={"case": row.case_key},
    )
    return row


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def inject(
    sessions: sessionmaker[Session],
    clock: Clock,
    config: GoldenConfig,
    *,
    taxonomy: Taxonomy,
    sla: SlaConfig,
) -> int:
    """Open the golden copies due now (the ``qa-golden`` job); how many were opened.

    Each queue with active golden cases gets up to ``per_queue_per_day`` copies a UTC day; a
    golden case with a copy not yet decided waits, and the least copied goes first."""
    if not config.enabled or config.per_queue_per_day == 0:
        return 0
    with session_scope(sessions) as session:
        # Locked, so two workers never open the same day's copies twice.
        active = session.scalars(
            select(QaGolden)
            .where(QaGolden.retired_at.is_(None))
            .order_by(QaGolden.id)
            .with_for_update()
        ).all()
        if not active:
            return 0
        now = clock.now()
        today = Counter(
            {
                queue: int(n)
                for queue, n in session.execute(
                    select(QaGoldenCopy.queue, func.count())
                    .where(QaGoldenCopy.opened_at >= day_start(now))
                    .group_by(QaGoldenCopy.queue)
                )
            }
        )
        made = session.execute(
            select(QaGoldenCopy.golden_id, QaGoldenCopy.case_id).where(
                QaGoldenCopy.golden_id.in_([g.id for g in active])
            )
        ).all()
        decided = copies.first_decisions(session, case_ids=[c for _, c in made])
        count = Counter(g for g, _ in made)
        waiting = {g for g, c in made if c not in decided}
        opened = 0
        by_queue: dict[str, list[QaGolden]] = defaultdict(list)
        for g in active:
            by_queue[g.queue].append(g)
        for queue, rows in sorted(by_queue.items()):
            room = config.per_queue_per_day - today[queue]
            ready = sorted(
                (g for g in rows if g.id not in waiting), key=lambda g: (count[g.id], g.id)
            )
            for g in ready[: max(room, 0)]:
                copy = copies.open_copy(
                    session, clock, of_case_id=g.case_id, taxonomy=taxonomy, sla=sla
                )
                session.add(
                    QaGoldenCopy(
                        golden_id=g.id,
                        case_id=copy.id,
                        case_key=copy.key,
                        queue=copy.queue,
                        opened_at=now,
                    )
                )
                audit.record(
                    session,
                    at=now,
                    actor=ACTOR,
                    action="qa.golden_copied",
                    object_type="qa_golden",
                    object_id=_object_id(g.id),
                    after={"case": g.case_key, "copy": copy.key, "queue": copy.queue},
                )
                opened += 1
        return opened


@dataclass(frozen=True)
class Scored:
    """One decided copy: who decided it, what, and whether it matched the agreed verdict."""

    golden_id: int
    copy_key: str
    analyst: str
    policy_id: str
    violation: bool
    correct: bool
    decided_at: datetime


@dataclass(frozen=True)
class GoldenStats:
    copies: int
    decided: int
    correct: int


@dataclass(frozen=True)
class AnalystScore:
    analyst: str
    decided: int
    correct: int
    accuracy: Estimate


def scored(session: Session) -> tuple[list[Scored], dict[int, GoldenStats]]:
    """Every decided copy, scored against its golden case's verdict; and per golden case how
    many copies were opened, decided, and decided right."""
    verdicts = {g.id: (g.policy_id, g.violation) for g in session.scalars(select(QaGolden)).all()}
    made = session.execute(
        select(QaGoldenCopy.golden_id, QaGoldenCopy.case_id, QaGoldenCopy.case_key).order_by(
            QaGoldenCopy.id
        )
    ).all()
    first = copies.first_decisions(session, case_ids=[c for _, c, _ in made])
    out: list[Scored] = []
    opened: Counter[int] = Counter()
    for golden_id, case_id, key in made:
        opened[golden_id] += 1
        d = first.get(case_id)
        if d is None:
            continue
        right = (d.policy_id, d.violation) == verdicts[golden_id]
        out.append(
            Scored(golden_id, key, d.decided_by, d.policy_id, d.violation, right, d.decided_at)
        )
    stats = {
        g: GoldenStats(
            copies=opened[g],
            decided=sum(1 for s in out if s.golden_id == g),
            correct=sum(1 for s in out if s.golden_id == g and s.correct),
        )
        for g in verdicts
    }
    return out, stats


def by_analyst(rows: Sequence[Scored]) -> list[AnalystScore]:
    """Per analyst: golden copies decided, decided right, and accuracy (Wilson interval); the
    most scored first."""
    tally: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        tally[r.analyst].append(r.correct)
    return [
        AnalystScore(who, len(marks), sum(marks), agreement.accuracy(sum(marks), len(marks)))
        for who, marks in sorted(tally.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def verdicts_of_golden(session: Session) -> dict[int, tuple[str, bool]]:
    """The agreed verdict of every golden case (retired ones too): case id -> (policy, violation)."""
    return {
        case_id: (policy_id, violation)
        for case_id, policy_id, violation in session.execute(
            select(QaGolden.case_id, QaGolden.policy_id, QaGolden.violation)
        )
    }


def report(
    session: Session,
) -> tuple[Sequence[QaGolden], dict[int, GoldenStats], list[AnalystScore]]:
    """The golden set with each case's copies and scores, and the per-analyst accuracy."""
    rows, stats = scored(session)
    return list_golden(session), stats, by_analyst(rows)
