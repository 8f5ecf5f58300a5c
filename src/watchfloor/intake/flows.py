"""Taking reports in: idempotency, triage, subjects, linking to an open case or opening one.

One path for one report and for a batch: the single endpoint is a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchfloor.bulk import allocate_ids
from watchfloor.cases import opening
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.db import writers_take_turns
from watchfloor.errors import Conflict, Invalid
from watchfloor.intake import service as intake
from watchfloor.intake import triage_inputs
from watchfloor.intake.models import Report
from watchfloor.intake.schemas import IngestResult, ReportIn
from watchfloor.runtime import Config
from watchfloor.triage.classifiers.language import DetectedLanguage
from watchfloor.triage.scoring import TriageResult
from watchfloor.triage.taxonomy import Priority

# Reporters' clocks drift; a report dated further ahead than this is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)

Pair = tuple[int, str]  # (subject id, harm area): what makes reports "the same case"


def ingest(
    session: Session,
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    reports: list[ReportIn],
    actor: str,
    received_at: datetime | None = None,
) -> list[IngestResult]:
    """Take in ``reports``; one result per report, in order. Repeats return the original.

    ``received_at`` is when they arrived, if earlier than now (reports accepted into the intake
    backlog and triaged later): their cases' clocks start then."""
    now = received_at or clock.now()
    check(reports, config, now)
    try:
        return _ingest(session, now, config, link_window, reports, actor)
    except IntegrityError as exc:
        # Only when two requests store one (source, external_id) about different subjects at
        # the same moment; the same subject's lock makes ordinary repeats wait and find the first.
        raise Conflict(
            "one of these reports was being stored by another request at the same moment; "
            "send it again to get the stored report"
        ) from exc


def check(reports: list[ReportIn], config: Config, now: datetime) -> None:
    """What the schema cannot check: known harm areas, and report times not in the future."""
    problems = []
    known = set(config.taxonomy.area_ids)
    for i, r in enumerate(reports):
        if r.category is not None and r.category not in known:
            problems.append(
                {
                    "loc": ["body", "reports", i, "category"],
                    "msg": f"unknown harm area {r.category!r}; known: {', '.join(sorted(known))}",
                }
            )
        if r.reported_at is not None and r.reported_at > now + FUTURE_TOLERANCE:
            problems.append(
                {
                    "loc": ["body", "reports", i, "reported_at"],
                    "msg": "reported_at is in the future",
                }
            )
    if problems:
        raise Invalid(f"{len(problems)} field(s) are invalid", fields=problems)


@dataclass
class _New:
    index: int
    report: ReportIn
    verdict: TriageResult
    detected: DetectedLanguage | None
    pair: Pair = (0, "")
    case_id: int = 0
    report_id: int = 0
    opened: bool = False


def _ingest(
    session: Session,
    now: datetime,
    config: Config,
    link_window: timedelta,
    reports: list[ReportIn],
    actor: str,
) -> list[IngestResult]:
    keys = [(r.source, r.external_id) for r in reports]
    existing = intake.find_existing(session, keys=list(dict.fromkeys(keys)))
    unseen = {k for k in keys if k not in existing}
    subject_ids: dict[tuple[str, str], int] = {}
    stored: dict[tuple[str, str], intake.StoredSubject] = {}
    if unseen:
        # Lock the subjects of the new reports, then look again: a request that stored one of
        # them while we waited for the lock has committed by now, and its report is a repeat.
        # (Where writers take turns for the whole transaction, as on SQLite, nobody could have.)
        stored = intake.upsert_subjects_for_update(
            session,
            subjects=[r.subject for r in reports if (r.source, r.external_id) in unseen],
            now=now,
        )
        subject_ids = {key: s.id for key, s in stored.items()}
        if not writers_take_turns(session):
            existing.update(intake.find_existing(session, keys=sorted(unseen)))
    first_index: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for i, key in enumerate(keys):
        if key not in existing and key not in first_index:
            first_index[key] = i
            fresh.append(i)

    news: list[_New] = []
    if fresh:
        prepared = triage_inputs.prepare(
            session,
            reports=[reports[i] for i in fresh],
            prior_violations=[stored[_subject_key(reports[i])].violations for i in fresh],
        )
        verdicts = config.triager.triage_many([p.item for p in prepared])
        news = [
            _New(i, reports[i], v, p.detected)
            for i, v, p in zip(fresh, verdicts, prepared, strict=True)
        ]
        _place(session, now, config, link_window, news, subject_ids, actor)

    by_index = {n.index: n for n in news}
    results: list[IngestResult] = []
    for i, key in enumerate(keys):
        n = by_index.get(i)
        if n is not None:
            results.append(
                IngestResult(
                    report_id=n.report_id,
                    source=key[0],
                    external_id=key[1],
                    case=case_key(n.case_id),
                    created=True,
                    case_opened=n.opened,
                    harm_area=n.verdict.harm_area,
                    priority=n.verdict.priority.label,
                    risk=n.verdict.risk,
                    harm_areas=n.verdict.harm_areas,
                    reasons=n.verdict.reasons,
                    flags=n.verdict.flags,
                    detected_language=n.detected.code if n.detected else None,
                    language_confidence=n.detected.confidence if n.detected else None,
                    received_at=now,
                )
            )
        elif key in existing:
            results.append(_repeat(existing[key]))
        else:  # the same report twice in one batch: the second is a repeat of the first
            first = results[first_index[key]]
            results.append(first.model_copy(update={"created": False, "case_opened": False}))
    return results


def _repeat(report: Report) -> IngestResult:
    return IngestResult(
        report_id=report.id,
        source=report.source,
        external_id=report.external_id,
        case=case_key(report.case_id),
        created=False,
        case_opened=False,
        harm_area=report.harm_area,
        priority=Priority(report.priority).label,
        risk=report.risk_score,
        harm_areas=list(report.harm_areas),
        reasons=list(report.triage_reasons),
        flags=list(report.triage_flags),
        detected_language=report.detected_language,
        language_confidence=report.language_confidence,
        received_at=report.received_at,
    )


def _place(
    session: Session,
    now: datetime,
    config: Config,
    link_window: timedelta,
    news: list[_New],
    subject_ids: dict[tuple[str, str], int],
    actor: str,
) -> None:
    """Store new reports, each on the open case for its subject and harm area, or a new case."""
    groups: dict[Pair, list[_New]] = {}
    for n in news:
        n.pair = (subject_ids[_subject_key(n.report)], n.verdict.harm_area)
        groups.setdefault(n.pair, []).append(n)
    open_cases = cases.open_cases_for_update(session, pairs=set(groups), since=now - link_window)
    to_open = [pair for pair in groups if pair not in open_cases]

    # Reserve every id in one round trip: cases first, so the reports can point at them.
    new_ids = allocate_ids(session, {opening.TABLE: len(to_open), Report.__tablename__: len(news)})
    for n, rid in zip(news, new_ids[Report.__tablename__], strict=True):
        n.report_id = rid
    case_ids = {pair: case.id for pair, case in open_cases.items()}
    for pair, new_id in zip(to_open, new_ids[opening.TABLE], strict=True):
        case_ids[pair] = new_id
        groups[pair][0].opened = True
    for n in news:
        n.case_id = case_ids[n.pair]

    rules = opening.Rules(taxonomy=config.taxonomy, queues=config.queues, sla=config.sla)
    opening.open_for_reports(
        session,
        rules,
        openings=[
            opening.Opening(
                case_id=case_ids[pair],
                subject_id=pair[0],
                harm_area=pair[1],
                arrivals=[_arrival(n) for n in groups[pair]],
            )
            for pair in to_open
        ],
        now=now,
        actor=actor,
    )
    intake.insert_reports(
        session,
        [_report_row(n, subject_ids, now, config.taxonomy.version) for n in news],
        ids=new_ids[Report.__tablename__],
    )
    intake.store_evidence(
        session, items=[(n.report_id, ev) for n in news for ev in n.report.evidence]
    )
    for pair, case in open_cases.items():
        if pair in groups:
            opening.attach_reports(
                session,
                rules,
                case=case,
                arrivals=[_arrival(n) for n in groups[pair]],
                now=now,
                actor=actor,
            )


def _arrival(n: _New) -> opening.Arrival:
    v = n.verdict
    return opening.Arrival(
        report_id=n.report_id,
        priority=v.priority,
        risk=v.risk,
        reasons=v.reasons,
        harm_areas=v.harm_areas,
        flags=v.flags,
        policy=v.policy,
        region=n.report.region,
        language=n.report.language,
        text=n.report.text,
    )


def _subject_key(report: ReportIn) -> tuple[str, str]:
    return (report.subject.kind, report.subject.id)


def _report_row(
    n: _New, subject_ids: dict[tuple[str, str], int], now: datetime, taxonomy_version: int
) -> dict[str, Any]:
    r = n.report
    return {
        "source": r.source,
        "external_id": r.external_id,
        "received_at": now,
        "reported_at": r.reported_at or now,
        "reporter_kind": r.reporter.kind,
        "reporter_id": r.reporter.id,
        "subject_id": subject_ids[_subject_key(r)],
        "case_id": n.case_id,
        "text": r.text,
        "category_hint": r.category,
        "region": r.region,
        "language": r.language,
        "detected_language": n.detected.code if n.detected else None,
        "language_confidence": n.detected.confidence if n.detected else None,
        "harm_area": n.verdict.harm_area,
        "priority": int(n.verdict.priority),
        "triage_reasons": n.verdict.reasons,
        "risk_score": n.verdict.risk,
        "area_scores": n.verdict.area_scores,
        "harm_areas": n.verdict.harm_areas,
        "triage_flags": n.verdict.flags,
        "taxonomy_version": taxonomy_version,
        "extra": {"metadata": r.metadata, "subject": r.subject.model_dump(mode="json")},
    }
