"""What near-duplicate search keeps per report: its MinHash signature and LSH band keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class ReportTextSignature(Base):
    """A report text's MinHash signature (see triage.minhash); short texts have none."""

    __tablename__ = "report_text_signatures"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    indexed_at: Mapped[datetime]


class ReportTextBand(Base):
    """One LSH band key of a report's signature: reports sharing a key are candidates."""

    __tablename__ = "report_text_bands"
    # The primary key (band_key first) is the lookup index; report_id's serves deletes.
    __table_args__ = (Index("ix_report_text_bands_report_id", "report_id"),)

    band_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
