"""What arrives: reports, the subjects they are about, and their evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class Subject(Base):
    """Who or what a report is about: an account, organisation, API key, content item, URL…"""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(512))
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # How many of its cases were decided a violation: its history, which triage reads at intake.
    violations: Mapped[int] = mapped_column(default=0)


class SubjectIdentifier(Base):
    """Another handle on a subject (email, phone, IP, device…); shared ones link subjects."""

    __tablename__ = "subject_identifiers"
    __table_args__ = (
        UniqueConstraint("subject_id", "kind", "value"),
        Index("ix_subject_identifiers_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(512))


class Report(Base):
    """One report as it arrived, from a user, a detector, an email inbox or another system."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        # A reporter's track record, on the case page.
        Index("ix_reports_reporter", "reporter_kind", "reporter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(256))
    received_at: Mapped[datetime] = mapped_column(index=True)  # volume by hour (hand-off)
    reported_at: Mapped[datetime]
    reporter_kind: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[str | None] = mapped_column(String(256))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The report this one copies, on a golden copy of its case (quality's unannounced test
    # cases, intake/copies.py): not an arrival, so volumes and clusters leave it out.
    copy_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    text: Mapped[str] = mapped_column(Text)
    category_hint: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(35))  # as the reporter gave it
    # What triage detected from the text (ISO 639-1) and how sure it was (0-1); None when the
    # text has no words to go by, and on reports stored before detection existed.
    detected_language: Mapped[str | None] = mapped_column(String(8))
    language_confidence: Mapped[float | None]
    harm_area: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int]
    triage_reasons: Mapped[list[str]] = mapped_column(default=list)
    risk_score: Mapped[float] = mapped_column(default=0.0)
    area_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    harm_areas: Mapped[list[str]] = mapped_column(default=list)
    triage_flags: Mapped[list[str]] = mapped_column(default=list)
    taxonomy_version: Mapped[int] = mapped_column(default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EvidenceBlob(Base):
    """File bytes, stored once per content hash."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Evidence(Base):
    """A piece of text or a file attached to a report, with its hash and how disturbing it is."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # text | file
    text: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    md5: Mapped[str] = mapped_column(String(32))
    sensitivity: Mapped[str] = mapped_column(String(16))  # none | sensitive | graphic


class WaitingReport(Base):
    """A report accepted for triage later (a batch sent with ``Prefer: respond-async``): stored as
    it arrived, until the worker's ``triage-backlog`` job triages it and moves it onto a case."""

    __tablename__ = "intake_backlog"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(256))
    actor: Mapped[str] = mapped_column(String(128))  # who sent it: the audit trail's actor
    received_at: Mapped[datetime]  # the report's arrival: its SLA and legal clocks start here
    payload: Mapped[str] = mapped_column(Text)  # the report as validated (ReportIn, JSON)
    attempts: Mapped[int] = mapped_column(default=0)  # failed triage attempts so far
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
