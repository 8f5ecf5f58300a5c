"""What the quality API and console show of a sample and of feedback: one place keeps a sample
blind (no original decision, no analyst) until its review is in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from watchfloor.cases.schemas import parse_case_key
from watchfloor.intake import service as intake
from watchfloor.quality import service
from watchfloor.quality.models import QaFeedback, QaSample
from watchfloor.quality.schemas import FeedbackOut, SampleOut, VerdictOut


def sample_out(db: Session, sample: QaSample) -> SampleOut:
    """The sample, blind until reviewed: no original decision, no analyst."""
    review = service.review_of(db, sample_id=sample.id)
    ruling = service.adjudication_of(db, sample_id=sample.id)
    case_id = parse_case_key(sample.case_key)
    texts = [t for _, t in intake.texts_of_cases(db, case_ids=[case_id] if case_id else [])]
    final = service.final_verdict(sample, review, ruling)
    return SampleOut(
        id=sample.id,
        key=f"QA-{sample.id}",
        case=sample.case_key,
        harm_area=sample.harm_area,
        priority=sample.priority,
        region=sample.region,
        reasons=sample.reasons,
        status=sample.status,
        reviewer=sample.reviewer,
        decided_at=sample.decided_at,
        reports=texts,
        original=VerdictOut(policy_id=sample.policy_id, violation=sample.violation)
        if review is not None
        else None,
        analyst=sample.analyst if review is not None else None,
        review=VerdictOut(policy_id=review.policy_id, violation=review.violation)
        if review is not None
        else None,
        final=VerdictOut(policy_id=final.policy_id, violation=final.violation) if final else None,
    )


def feedback_out(row: QaFeedback, case_key: str) -> FeedbackOut:
    return FeedbackOut(
        id=row.id,
        sample=f"QA-{row.sample_id}",
        case=case_key,
        reviewer=row.reviewer,
        note=row.note,
        state=row.state,
        response=row.response,
        resolution=row.resolution,
        created_at=row.created_at,
    )


def feedback_list(db: Session, rows: list[QaFeedback]) -> list[FeedbackOut]:
    cases = {s.id: s.case_key for s in (db.get(QaSample, r.sample_id) for r in rows) if s}
    return [feedback_out(r, cases.get(r.sample_id, "")) for r in rows]
