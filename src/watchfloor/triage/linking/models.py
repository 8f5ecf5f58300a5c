"""What near-duplicate search keeps per report: its MinHash signature and LSH band keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
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
    """One LSH band key of a report's signature: reports sharing a key are candidates.

    The primary key (band_key first) is the lookup index, and the only one: intake writes 32 of
    these rows per report, so no foreign key and no second index. A row whose report is gone is
    harmless, as every candidate is checked against its signature, which cascades with the report.
    """

    __tablename__ = "report_text_bands"
    # On SQLite one B-tree (the key) instead of a rowid table plus the key's index.
    __table_args__ = {"sqlite_with_rowid": False}

    band_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
