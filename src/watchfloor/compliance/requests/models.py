"""The compliance room's legal requests: orders and requests from authorities, regulators and
data subjects, each on its case in the legal queue, and the response package answering it.

The request's contents live here, not in the case's report: the report carries a neutral text so
that whoever may read the case sees no request contents (the legal view shows them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from watchfloor.db import Base, JSONType


class LegalRequest(Base):
    """One request. ``status``: open (being answered), needs_classification (a mail whose form
    could not be read: ``classification_note`` says why; no obligations were started), answered
    (a final response was recorded). ``request_type`` is None only while it needs classification.
    ``case_id`` is set in the same transaction the row is made in (the report's neutral text names
    the request, so the row comes first)."""

    __tablename__ = "legal_requests"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_legal_requests_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # legal:api, legal:mail
    external_id: Mapped[str] = mapped_column(String(256))  # the sender's id, or the Message-ID
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    request_type: Mapped[str | None] = mapped_column(String(32))
    authority: Mapped[str] = mapped_column(String(300))
    person: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    legal_basis: Mapped[str] = mapped_column(Text)
    scope: Mapped[dict[str, Any]]  # accounts, identifiers, data_types, date_from, date_to, note
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(512))
    received_at: Mapped[datetime]
    response_due_at: Mapped[datetime | None]
    classification_note: Mapped[str | None] = mapped_column(Text)
    # Attachments of a mailed request: name, size and sha256 only, never their bytes.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    obligation_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)  # case_obligations
    acknowledged_at: Mapped[datetime | None]  # the first response item's time
    answered_at: Mapped[datetime | None]  # the final response's time
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class LegalResponseItem(Base):
    """One item of a request's response package: what was disclosed (data categories and
    identifiers), when, to whom, by whom, how delivered; or a refusal with its reason."""

    __tablename__ = "legal_response_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("legal_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # acknowledgement, disclosure, refusal
    data_categories: Mapped[list[str]] = mapped_column(default=list)
    identifiers: Mapped[list[str]] = mapped_column(default=list)
    at: Mapped[datetime]  # when it was sent or disclosed
    recipient: Mapped[str] = mapped_column(String(300))
    sent_by: Mapped[str] = mapped_column(String(200))
    delivery: Mapped[str] = mapped_column(String(32))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    final: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
