"""Classifying a request whose mail could not be read: a person says what it is, and it is
checked and its obligations start as if it had come in whole (from when the mail arrived).

Its case stays the one the mail opened (about the sender's address): a case's subject is
intake's and does not change; the request records the subject it is about."""

from __future__ import annotations

from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.clock import Clock
from watchfloor.compliance.requests import flows, service
from watchfloor.compliance.requests.models import LegalRequest
from watchfloor.compliance.requests.schemas import ClassifyIn, RequestIn
from watchfloor.errors import Conflict
from watchfloor.runtime import Config


def classify(
    session: Session,
    clock: Clock,
    *,
    config: Config,
    request_id: int,
    body: ClassifyIn,
    actor: str,
) -> LegalRequest:
    """Make a request that needs classification an open request of ``body``'s type; 409 when
    it is classified already, 422 naming the field as for a new request."""
    row = service.get_or_raise(session, request_id=request_id, for_update=True)
    key = service.request_key(row.id)
    if row.status != "needs_classification":
        raise Conflict(f"{key} is classified already ({row.request_type}, {row.status})")
    whole = RequestIn.model_validate(
        {
            **body.model_dump(exclude_none=True),
            "external_id": row.external_id,
            "received_at": body.received_at or row.received_at,
        }
    )
    p = flows.plan(config.obligations, clock.now(), whole)
    req = whole.requester
    before = {"status": row.status, "request_type": None}
    row.status, row.request_type = "open", whole.request_type
    row.authority, row.person, row.email = req.authority, req.person, req.email or row.email
    row.phone, row.country = req.phone, req.country
    row.legal_basis = whole.legal_basis
    row.scope = whole.scope.model_dump(mode="json", exclude_none=True)
    row.subject_kind, row.subject_id = whole.subject.kind, whole.subject.id
    row.received_at, row.response_due_at = p.received_at, whole.response_due_at
    row.obligation_ids = flows.start_obligations(
        session, clock, config, row=row, plan=p, actor=actor
    )
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="legal_request.classified",
        object_type="legal_request",
        object_id=key,
        before=before,
        after={
            "status": row.status,
            "request_type": row.request_type,
            "country": row.country,
            "obligations": list(row.obligation_ids),
        },
    )
    return row
