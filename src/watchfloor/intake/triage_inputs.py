"""What triage reads of each new report: its text, who sent it, the subject's history, the hash
matches of its files, and its language: the one the reporter gave, else the one detected."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from watchfloor.intake.schemas import ReportIn
from watchfloor.triage.classifiers.language import (
    DetectedLanguage,
    detect_language,
    triage_language,
)
from watchfloor.triage.hashes import service as hash_lists
from watchfloor.triage.rules.engine import HashHit, TriageInput


@dataclass(frozen=True)
class Prepared:
    item: TriageInput
    detected: DetectedLanguage | None  # stored on the report beside the language given


def prepare(
    session: Session, *, reports: list[ReportIn], prior_violations: list[int]
) -> list[Prepared]:
    """One triage input per report, in order; ``prior_violations`` of each report's subject."""
    files = [
        (i, ev.content()) for i, r in enumerate(reports) for ev in r.evidence if ev.kind == "file"
    ]
    matches = hash_lists.match_evidence(session, files) if files else {}
    prepared = []
    for i, (report, violations) in enumerate(zip(reports, prior_violations, strict=True)):
        # Detected even when the reporter gave a language: the two can disagree, and both show.
        detected = detect_language(report.text)
        item = TriageInput(
            text=report.text,
            reporter_kind=report.reporter.kind,
            category_hint=report.category,
            region=report.region,
            language=triage_language(report.language, detected),
            source=report.source,
            prior_violations=violations,
            hash_matches=tuple(
                HashHit(m.list_name, m.harm_area, m.child_safety, m.reason)
                for m in matches.get(i, [])
            ),
        )
        prepared.append(Prepared(item, detected))
    return prepared
