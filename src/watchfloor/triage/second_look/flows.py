"""The worker's ``second-look`` job: the second stage reads again the reports the first stage was
unsure about, and makes their cases more urgent when the blend of both stages' scores places
them more urgently (triage.second_look.place_blended).

A cascade: intake keeps the first stage's speed, and the slower second stage (a sentence
embedder with a head per harm area, triage.classifiers.second_stage) runs seconds later, here. Reports sent
at once and reports accepted into the intake backlog alike are looked at once their report row
exists. Each report gets a row in ``report_second_looks`` (its marker, written in the same
transaction as any change to its case), whether or not the model read it, so each is looked at
once and none is passed over; a crash before the commit leaves no trace and the next round does
the work again. As in the near-duplicate index (similar.py), the job looks a little below the
newest marker, so a report whose transaction committed after a later one's is still found.

The model runs outside any transaction (no lock is held while it thinks); the case changes go
through the cases room (cases.service.raise_urgency) under a row lock, after the case has been
read again. If another worker settled one of the same reports first, this round's work is
rolled back and the next round reads what is left.

What is decided, and why, is in triage.second_look (pure).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.bulk import insert_new_returning
from watchfloor.cases import service as cases
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.intake import service as intake
from watchfloor.runtime import Config
from watchfloor.triage.classifiers.language import TRUSTED
from watchfloor.triage.second_look.decision import (
    CLOSED,
    CaseState,
    FirstStage,
    Verdict,
    case_change,
    in_hands,
    judge,
    place_blended,
    worth_a_look,
)
from watchfloor.triage.second_look.models import SecondLook
from watchfloor.triage.taxonomy import Priority

if TYPE_CHECKING:
    from watchfloor.cases.models import Case

log = logging.getLogger("watchfloor.triage.second_look.decision")

ACTOR = "system:second-look"
ACTION = "case.second_look"
# Reports read per round, and of those at most this many given to the model: a round stays
# short, so the worker's other jobs (webhooks, pages, the SLA sweep) wait little behind it.
READ = 1000
SCORE = 256
# How far below the newest looked-at report the job looks for reports still to look at.
CATCH_UP = 20_000

_TABLE = SecondLook.__table__


class Scorer(Protocol):
    """What the job needs of a second stage (triage.classifiers.second_stage.SecondStage has it)."""

    name: str
    thresholds: dict[str, float]  # its own score's, used only when the first stage gave none
    blend_thresholds: dict[str, float]  # for the mean of both stages' scores: what is acted on
    multilingual_areas: list[str]  # blended in other languages too (decision.place_blended)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]: ...


class SecondStageFailed(RuntimeError):
    """The second stage failed on every report it was given: it is broken, not the reports."""


class _Raced(Exception):
    """Another worker settled some of these reports first."""


@dataclass
class _Pending:
    report_id: int
    case_id: int
    text: str
    first: FirstStage
    why: str | None = None


def first_stage_thresholds(triager: object) -> dict[str, float]:
    """The first stage's classifier thresholds per harm area; empty without a classifier."""
    classifier = getattr(triager, "classifier", None)
    thresholds = getattr(classifier, "thresholds", None)
    return dict(thresholds) if isinstance(thresholds, dict) else {}


def look_pending(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    stage: Scorer,
    config: Config,
    read: int = READ,
    score: int = SCORE,
) -> int:
    """One round: settle the oldest reports not looked at yet; how many were settled.

    Raises SecondStageFailed (nothing written) when the model fails on every report it is given.
    """
    with session_scope(sessions) as session:
        pending = _pending(session, read)
    if not pending:
        return 0
    severities = {a.id: a.default_priority for a in config.taxonomy.harm_areas}
    first_thresholds = first_stage_thresholds(config.triager)
    todo: list[_Pending] = []
    to_score: list[_Pending] = []
    for p in pending:
        p.why = worth_a_look(p.first, thresholds=first_thresholds, severities=severities)
        if p.why is not None:
            if len(to_score) == score:
                break
            to_score.append(p)
        todo.append(p)
    scored = _score(stage, [p.text for p in to_score])
    by_report = {p.report_id: s for p, s in zip(to_score, scored, strict=True)}
    try:
        with session_scope(sessions) as session:
            _settle(session, clock.now(), todo, by_report, stage=stage, config=config)
    except _Raced:
        log.info(
            "another worker looked at some of these %d reports first; reading again", len(todo)
        )
        return 0
    return len(todo)


def _pending(session: Session, limit: int) -> list[_Pending]:
    top = session.scalar(select(func.max(SecondLook.report_id))) or 0
    rows = intake.reports_missing_from(
        session, done=SecondLook.report_id, after_id=top - CATCH_UP, limit=limit
    )
    return [
        _Pending(
            report_id=r.id,
            case_id=r.case_id,
            text=r.text,
            first=FirstStage(
                harm_area=r.harm_area,
                priority=Priority(r.priority),
                area_scores=dict(r.area_scores or {}),
                flags=tuple(r.triage_flags or ()),
                # What the text is written in: as detected when that is sure enough for triage
                # to act on, else as the reporter said. The second stage decides alone on a
                # report in another language than English (decision.place_blended).
                language=(
                    r.detected_language if (r.language_confidence or 0.0) >= TRUSTED else None
                )
                or r.language,
            ),
        )
        for r in rows
    ]


def _score(stage: Scorer, texts: list[str]) -> list[dict[str, float] | None]:
    """The model's scores per text; None for a text it fails on. SecondStageFailed if it fails
    on every text (then nothing is marked, and the job tries again later)."""
    if not texts:
        return []
    try:
        return list(_checked(stage, texts))
    except Exception as exc:  # the model's own failure, whatever it is
        if len(texts) == 1:
            raise SecondStageFailed(f"{type(exc).__name__}: {exc}") from exc
        log.warning("second stage failed on a batch of %d; scoring one at a time", len(texts))
    found: list[dict[str, float] | None] = []
    problem: Exception | None = None
    for text in texts:
        try:
            found.extend(_checked(stage, [text]))
        except Exception as exc:  # noqa: BLE001 - one text it cannot read is marked failed
            problem = exc
            found.append(None)
    if all(s is None for s in found):
        raise SecondStageFailed(f"{type(problem).__name__}: {problem}") from problem
    return found


def _checked(stage: Scorer, texts: list[str]) -> list[dict[str, float] | None]:
    out = stage.scores(texts)
    if len(out) != len(texts):
        raise ValueError(f"second stage gave {len(out)} score sets for {len(texts)} texts")
    return [{str(a): float(s) for a, s in row.items()} for row in out]


def _settle(
    session: Session,
    now: datetime,
    todo: list[_Pending],
    scores: dict[int, dict[str, float] | None],
    *,
    stage: Scorer,
    config: Config,
) -> None:
    severities = {a.id: a.default_priority for a in config.taxonomy.harm_areas}
    verdicts: dict[int, Verdict] = {}
    for p in todo:
        got = scores.get(p.report_id)
        if got is not None:
            placement = place_blended(
                p.first,
                got,
                blend_thresholds=stage.blend_thresholds,
                second_thresholds=stage.thresholds,
                severities=severities,
                multilingual_areas=stage.multilingual_areas,
            )
            verdicts[p.report_id] = judge(p.first, placement, model=stage.name)
    urgent = [p.case_id for p in todo if _outcome(verdicts.get(p.report_id)) == "more_urgent"]
    locked = cases.lock_many(session, ids=urgent)
    rows: list[dict[str, Any]] = []
    model = stage.name[:128]  # the column's width
    for p in todo:
        row: dict[str, Any] = {
            "report_id": p.report_id,
            "looked_at": now,
            "outcome": "skipped",
            "model": None,
            "reason": None,
            "scores": None,
        }
        if p.why is None:
            row["reason"] = "the first stage was sure, or nothing could make it more urgent"
        elif p.report_id not in verdicts:
            row.update(outcome="failed", model=model, reason="the second stage failed on it")
        else:
            verdict = verdicts[p.report_id]
            row.update(
                model=model,
                scores={a: round(s, 4) for a, s in (scores[p.report_id] or {}).items()},
                outcome=verdict.outcome,
                reason=verdict.reason,
            )
            if verdict.outcome == "more_urgent":
                row["outcome"], row["reason"] = _apply(
                    session, now, p, verdict, locked[p.case_id], stage=stage, config=config
                )
        rows.append(row)
    stored = insert_new_returning(session, _TABLE, rows, ["report_id"], [_TABLE.c.report_id])
    if len(stored) != len(rows):
        raise _Raced()


def _outcome(verdict: Verdict | None) -> str | None:
    return verdict.outcome if verdict is not None else None


def _apply(
    session: Session,
    now: datetime,
    p: _Pending,
    verdict: Verdict,
    case: Case,
    *,
    stage: Scorer,
    config: Config,
) -> tuple[str, str]:
    """Make the report's case more urgent if it is still the second look's to change; the
    report's outcome and reason."""
    placement = verdict.placement
    assert placement is not None  # a more urgent verdict always has one
    state = CaseState(
        key=case.key,
        harm_area=case.harm_area,
        priority=Priority(case.priority),
        status=case.status,
        assignee_id=case.assignee_id,
        first_action_at_set=case.first_action_at is not None,
    )
    found = {
        "report_id": p.report_id,
        "model": stage.name,
        "area": placement.area,
        "decided_on": "second stage alone" if placement.first is None else "blend",
        "score": round(placement.score, 4),
        "threshold": round(placement.threshold, 4),
        "first_score": None if placement.first is None else round(placement.first, 4),
        "second_score": None if placement.second is None else round(placement.second, 4),
        "looked_because": p.why,
    }
    why_not = in_hands(state)
    if why_not is not None:
        if state.status not in CLOSED:
            # Its holder should still learn what the second look found: on the case's trail.
            audit.record(
                session,
                at=now,
                actor=ACTOR,
                action=ACTION,
                object_type="case",
                object_id=case.key,
                after={"applied": False, "why_not": why_not, "reason": verdict.reason, **found},
            )
        return "unchanged", f"{verdict.reason}; not applied: {why_not}"
    change = case_change(state, placement)
    if change is None:
        return "unchanged", f"{verdict.reason}; {case.key} is already {state.priority.label}"
    cases.raise_urgency(
        session,
        now=now,
        case=case,
        priority=change.priority,
        harm_area=change.harm_area,
        reasons=[verdict.reason],
        placed_in=[placement.area],
        taxonomy=config.taxonomy,
        sla=config.sla,
        queues=config.queues,
        actor=ACTOR,
        action=ACTION,
        audit_extra={"applied": True, **found},
    )
    log.info(
        "second look raised %s to %s (%s)",
        case.key,
        Priority(case.priority).label,
        case.harm_area,
        extra={"case": case.key, "report_id": p.report_id},
    )
    return "raised", verdict.reason
