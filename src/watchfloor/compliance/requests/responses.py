"""Recording a request's response package, item by item, and exporting it whole.

The final item answers the request; with ``mark_met`` it also records the request's deadline
obligations met at the item's time (holds are released on their own, never by an answer)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.clock import Clock
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.clocks.readings import field_error
from watchfloor.compliance.requests import service
from watchfloor.compliance.requests.models import LegalResponseItem
from watchfloor.compliance.requests.schemas import RequestOut, ResponseIn
from watchfloor.errors import Conflict


def record(
    session: Session,
    clock: Clock,
    config: ObligationsConfig,
    *,
    request_id: int,
    body: ResponseIn,
    actor: str,
    username: str,
) -> LegalResponseItem:
    """Add an item to a request's response package. 422 naming the field for a time in the
    future or before the request came; 409 for a second final answer, or obligations to mark
    met on a request that has none open."""
    row = service.get_or_raise(session, request_id=request_id, for_update=True)
    now = clock.now()
    at = body.at or now
    if at > now:
        raise field_error("at", f"{at.isoformat()} is in the future; record what was sent")
    if at < row.received_at:
        raise field_error(
            "at", f"{at.isoformat()} is before the request was received ({row.received_at})"
        )
    key = service.request_key(row.id)
    if body.final and row.answered_at is not None:
        raise Conflict(f"{key} was answered at {row.answered_at.isoformat()}; add a non-final item")
    to_meet = []
    if body.mark_met:
        to_meet = [
            c
            for c in service.obligations_of(session, config, now, row)
            if c.obligation is not None
            and c.obligation.kind == "deadline"
            and c.reading.state not in CLOSED_STATES
        ]
        if not to_meet:
            raise Conflict(f"{key} has no open deadline to mark met; send mark_met: false")
    item = LegalResponseItem(
        request_id=row.id,
        kind=body.kind,
        data_categories=list(body.data_categories),
        identifiers=list(body.identifiers),
        at=at,
        recipient=body.recipient,
        sent_by=body.sent_by or username,
        delivery=body.delivery,
        refusal_reason=body.refusal_reason,
        note=body.note,
        final=body.final,
        created_by=actor,
        created_at=now,
    )
    session.add(item)
    before = {"status": row.status, "answered_at": _iso(row.answered_at)}
    if row.acknowledged_at is None or at < row.acknowledged_at:
        row.acknowledged_at = at
    if body.final:
        row.answered_at = at
        row.status = "answered"
    met = []
    for c in to_meet:
        assert row.case_id is not None
        clocks.record_step(
            session,
            clock,
            config,
            case_id=row.case_id,
            row_id=c.row.id,
            step="met",
            reason=f"final response to {key}",
            at=at,
            actor=actor,
        )
        met.append(c.row.obligation_id)
    session.flush()
    # What was sent is in the package; the audit says that something was, and to whom.
    audit.record(
        session,
        at=now,
        actor=actor,
        action="legal_request.response_recorded",
        object_type="legal_request",
        object_id=key,
        before=before,
        after={
            "item": item.id,
            "kind": item.kind,
            "final": item.final,
            "at": at.isoformat(),
            "recipient": item.recipient,
            "data_categories": len(item.data_categories),
            "identifiers": len(item.identifiers),
            "obligations_met": met,
            "status": row.status,
        },
    )
    return item


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


CSV_COLUMNS = (
    "request",
    "case",
    "request_type",
    "authority",
    "country",
    "legal_basis",
    "received_at",
    "response_due_at",
    "item",
    "kind",
    "at",
    "recipient",
    "sent_by",
    "delivery",
    "data_categories",
    "identifiers",
    "refusal_reason",
    "final",
    "note",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(package: RequestOut) -> str:
    """The response package as CSV: one row per item (the request's columns repeated); a
    request with no item yet is one row with the item columns empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    head = [
        package.key,
        package.case,
        package.request_type,
        package.authority,
        package.country,
        package.legal_basis,
        package.received_at.isoformat(),
        _iso(package.response_due_at),
    ]
    rows: list[list[object]] = [
        [
            *head,
            i.id,
            i.kind,
            i.at.isoformat(),
            i.recipient,
            i.sent_by,
            i.delivery,
            "; ".join(i.data_categories),
            "; ".join(i.identifiers),
            i.refusal_reason,
            "yes" if i.final else "no",
            i.note,
        ]
        for i in package.responses
    ] or [[*head, *([""] * (len(CSV_COLUMNS) - len(head)))]]
    for r in rows:
        writer.writerow([_cell(v) for v in r])
    return out.getvalue()
