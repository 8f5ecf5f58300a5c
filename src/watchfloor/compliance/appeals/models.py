"""The compliance room's appeals: internal complaints against a case's decision (DSA Art. 20),
who lodged them, and the human decision on each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base


class Appeal(Base):
    """One complaint against one decision. ``state``: open (waiting for a person to decide it)
    or decided (``outcome`` upheld or overturned, with the reasons sent to the appellant)."""

    __tablename__ = "appeals"
    __table_args__ = (
        # Idempotency for intake systems that retry: one appeal per (source, external_id).
        UniqueConstraint("source", "external_id"),
        # The console's question: open appeals, and the tally's: received in a period.
        Index("ix_appeals_state_received", "state", "received_at"),
        Index("ix_appeals_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    appellant_kind: Mapped[str] = mapped_column(String(16))  # affected_user | notifier
    appellant_id: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    # When the six months to appeal closed (kept: the record shows why it was in time).
    window_closes_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    # What changes when overturned (the reversal), said to the appellant and on the case page.
    changes: Mapped[str | None] = mapped_column(Text)
    # The reasoned answer the appellant was sent (Art. 20(5)).
    answer: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
