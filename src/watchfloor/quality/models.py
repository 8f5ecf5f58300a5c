"""Quality tables: where sampling has read to, the samples, the blind reviews, adjudications of
disagreements, and feedback to the analyst with their answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class QaSamplingState(Base):
    """One row: the last decision the sampler has weighed. Locked by the job, so two workers
    never weigh one decision twice."""

    __tablename__ = "qa_sampling_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_decision_id: Mapped[int]


class QaSample(Base):
    """A decision picked for a second person's review, with the case facts agreement is cut by."""

    __tablename__ = "qa_samples"
    __table_args__ = (
        Index("ix_qa_samples_status", "status", "created_at"),
        Index("ix_qa_samples_area_created", "harm_area", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(unique=True)
    case_key: Mapped[str] = mapped_column(String(32))
    harm_area: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(4))
    region: Mapped[str | None] = mapped_column(String(16))
    analyst: Mapped[str] = mapped_column(String(64), index=True)
    # The original decision: never shown to the reviewer before they submit their own.
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    decided_at: Mapped[datetime]
    reasons: Mapped[list[str]] = mapped_column(default=list)
    # waiting | in_review | agreed | to_adjudicate | adjudicated
    status: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class QaReview(Base):
    """The reviewer's own verdict, given blind."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("qa_samples.id", ondelete="CASCADE"), unique=True
    )
    reviewer: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    rationale: Mapped[str] = mapped_column(Text)
    agrees: Mapped[bool]
    submitted_at: Mapped[datetime]


class QaAdjudication(Base):
    """A lead's final verdict where the reviewer and the analyst disagreed."""

    __tablename__ = "qa_adjudications"

    sample_id: Mapped[int] = mapped_column(
        ForeignKey("qa_samples.id", ondelete="CASCADE"), primary_key=True
    )
    by: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class QaFeedback(Base):
    """The reviewer's note to the analyst, and the analyst's answer: acknowledged, or disputed
    (which goes to a lead, who upholds or overturns the review)."""

    __tablename__ = "qa_feedback"
    __table_args__ = (Index("ix_qa_feedback_analyst", "analyst", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qa_samples.id", ondelete="CASCADE"))
    analyst: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    # new | acknowledged | disputed | upheld | overturned
    state: Mapped[str] = mapped_column(String(16), index=True)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Calibration(Base):
    """A calibration exercise: a lead picks past cases, everyone named decides them blind, and
    the report shows where the team diverges, policy by policy."""

    __tablename__ = "qa_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[list[str]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CalibrationItem(Base):
    __tablename__ = "qa_calibration_items"
    __table_args__ = (Index("ix_qa_calibration_items_calibration", "calibration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calibration_id: Mapped[int] = mapped_column(
        ForeignKey("qa_calibrations.id", ondelete="CASCADE")
    )
    case_key: Mapped[str] = mapped_column(String(32))
    # The case's decision when it was picked: shown only in the report, never while answering.
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]


class CalibrationAnswer(Base):
    __tablename__ = "qa_calibration_answers"
    __table_args__ = (UniqueConstraint("item_id", "participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("qa_calibration_items.id", ondelete="CASCADE"))
    participant: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    rationale: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class QaGolden(Base):
    """A decided case a lead marked golden, with its agreed verdict: copies of it are mixed into
    analysts' queues unannounced, and whoever decides one is scored against this verdict."""

    __tablename__ = "qa_golden"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(unique=True)  # the decided case (cases room's id)
    case_key: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(64), index=True)  # where its copies go
    harm_area: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(32))
    violation: Mapped[bool]
    explanation: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[datetime]
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None]


class QaGoldenCopy(Base):
    """A copy of a golden case opened in a queue (the copy is a case of its own)."""

    __tablename__ = "qa_golden_copies"
    __table_args__ = (Index("ix_qa_golden_copies_queue_opened", "queue", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    golden_id: Mapped[int] = mapped_column(
        ForeignKey("qa_golden.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(unique=True)  # the copy
    case_key: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime]
