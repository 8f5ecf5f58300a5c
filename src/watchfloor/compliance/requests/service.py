"""Legal requests: read them, and count them for the transparency report.

Creating a request (through intake, with its obligations) lives in flows.py; recording the
response package in responses.py. Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.cases.schemas import case_key
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.clocks.readings import Carried, to_out
from watchfloor.compliance.requests.models import LegalRequest, LegalResponseItem
from watchfloor.compliance.requests.schemas import (
    RequesterOut,
    RequestOut,
    RequestSummary,
    ResponseOut,
)
from watchfloor.errors import NotFound

# A request whose mail could not be read has no type yet; it is still an order received.
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class OrderTally:
    request_type: str
    member_state: str | None  # ISO 3166-1 alpha-2 of the issuing authority, if known
    received: int
    answered: int  # response recorded as final
    median_hours_to_acknowledge: float | None
    median_hours_to_answer: float | None


def request_key(request_id: int) -> str:
    """The key people use: LR-000012."""
    return f"LR-{request_id:06d}"


def get_or_raise(session: Session, *, request_id: int, for_update: bool = False) -> LegalRequest:
    """A request by id (404 naming it when there is none)."""
    stmt = select(LegalRequest).where(LegalRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"no legal request {request_key(request_id)}")
    return row


def list_requests(
    session: Session,
    *,
    status: str | None = None,
    request_type: str | None = None,
    country: str | None = None,
    limit: int = 200,
) -> list[LegalRequest]:
    """Requests, newest received first, optionally of one status, type or country."""
    stmt = select(LegalRequest)
    if status is not None:
        stmt = stmt.where(LegalRequest.status == status)
    if request_type is not None:
        stmt = stmt.where(LegalRequest.request_type == request_type)
    if country is not None:
        stmt = stmt.where(LegalRequest.country == country)
    stmt = stmt.order_by(LegalRequest.received_at.desc(), LegalRequest.id.desc()).limit(limit)
    return list(session.scalars(stmt).all())


def responses_of(session: Session, *, request_id: int) -> list[LegalResponseItem]:
    """A request's response package, in the order the items were sent."""
    return list(
        session.scalars(
            select(LegalResponseItem)
            .where(LegalResponseItem.request_id == request_id)
            .order_by(LegalResponseItem.at, LegalResponseItem.id)
        ).all()
    )


def obligations_of(
    session: Session, config: ObligationsConfig, now: datetime, row: LegalRequest
) -> list[Carried]:
    """The obligations this request started (or shares with its case), read at ``now``."""
    if row.case_id is None or not row.obligation_ids:
        return []
    mine = set(row.obligation_ids)
    return [
        c for c in clocks.for_case(session, config, now, case_id=row.case_id) if c.row.id in mine
    ]


def due_of(found: list[Carried], row: LegalRequest) -> datetime | None:
    """The soonest due time of the open obligations; else the date the request set."""
    dues = [
        c.reading.due_at
        for c in found
        if c.reading.state not in CLOSED_STATES and c.reading.due_at is not None
    ]
    if dues:
        return min(dues)
    return row.response_due_at if row.answered_at is None else None


def summary(row: LegalRequest, due_at: datetime | None) -> RequestSummary:
    return RequestSummary(
        id=row.id,
        key=request_key(row.id),
        case=None if row.case_id is None else case_key(row.case_id),
        source=row.source,
        external_id=row.external_id,
        status=row.status,
        request_type=row.request_type,
        authority=row.authority,
        country=row.country,
        received_at=row.received_at,
        response_due_at=row.response_due_at,
        due_at=due_at,
        answered_at=row.answered_at,
    )


def soonest_first(
    items: list[tuple[LegalRequest, datetime | None]],
) -> list[tuple[LegalRequest, datetime | None]]:
    """Requests still to answer with a due time, soonest first; then the rest, newest first."""
    timed = sorted(
        (i for i in items if i[1] is not None and i[0].answered_at is None),
        key=lambda i: (i[1], i[0].id),
    )
    rest = [i for i in items if i not in timed]
    rest.sort(key=lambda i: (i[0].received_at, i[0].id), reverse=True)
    return timed + rest


def response_out(item: LegalResponseItem) -> ResponseOut:
    return ResponseOut(
        id=item.id,
        kind=item.kind,
        data_categories=list(item.data_categories),
        identifiers=list(item.identifiers),
        at=item.at,
        recipient=item.recipient,
        sent_by=item.sent_by,
        delivery=item.delivery,
        refusal_reason=item.refusal_reason,
        note=item.note,
        final=item.final,
        created_by=item.created_by,
        created_at=item.created_at,
    )


def read(
    session: Session, config: ObligationsConfig, now: datetime, row: LegalRequest
) -> RequestOut:
    """A request with its requester, scope, obligations (read at ``now``) and package."""
    found = obligations_of(session, config, now, row)
    head = summary(row, due_of(found, row))
    return RequestOut(
        **head.model_dump(),
        requester=RequesterOut(
            authority=row.authority,
            person=row.person,
            email=row.email,
            phone=row.phone,
            country=row.country,
        ),
        legal_basis=row.legal_basis,
        scope=dict(row.scope),
        subject={"kind": row.subject_kind, "id": row.subject_id},
        classification_note=row.classification_note,
        attachments=list(row.attachments),
        acknowledged_at=row.acknowledged_at,
        obligations=[to_out(c) for c in found],
        responses=[response_out(i) for i in responses_of(session, request_id=row.id)],
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(median(known)) if known else None


def tally(session: Session, *, start: datetime, end: datetime) -> list[OrderTally]:
    """Requests received in [start, end) grouped by type and member state.

    Requests still needing classification count under the type ``unclassified``. Acknowledged
    means the first response item was recorded; answered, the final one. Sorted by type, then
    member state (unknown last)."""
    rows = session.execute(
        select(
            LegalRequest.request_type,
            LegalRequest.country,
            LegalRequest.received_at,
            LegalRequest.acknowledged_at,
            LegalRequest.answered_at,
        ).where(LegalRequest.received_at >= start, LegalRequest.received_at < end)
    ).all()
    groups: dict[tuple[str, str | None], list[tuple[datetime, datetime | None, datetime | None]]]
    groups = {}
    for rtype, country, received, acked, answered in rows:
        groups.setdefault((rtype or UNCLASSIFIED, country), []).append((received, acked, answered))
    out = [
        OrderTally(
            request_type=rtype,
            member_state=country,
            received=len(items),
            answered=sum(1 for _, _, a in items if a is not None),
            median_hours_to_acknowledge=_median([_hours(r, k) for r, k, _ in items]),
            median_hours_to_answer=_median([_hours(r, a) for r, _, a in items]),
        )
        for (rtype, country), items in groups.items()
    ]
    return sorted(out, key=lambda t: (t.request_type, t.member_state is None, t.member_state or ""))
