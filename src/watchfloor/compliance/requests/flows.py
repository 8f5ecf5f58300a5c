"""Taking a legal request in: its row, its case through intake (so triage, queues and SLA clocks
work as for any case), the obligations it attracts, the audit event and the outbox event.

The case's report carries a neutral text naming the request; its contents stay in this room's
table, shown only in the legal view. Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import CaseFacts, Obligation, ObligationsConfig
from watchfloor.compliance.clocks.readings import field_error
from watchfloor.compliance.requests import form
from watchfloor.compliance.requests.models import LegalRequest
from watchfloor.compliance.requests.schemas import RequestIn
from watchfloor.compliance.requests.service import request_key
from watchfloor.compliance.triggers.follow_ups import FollowUpConfig
from watchfloor.errors import Invalid
from watchfloor.intake import flows as intake
from watchfloor.intake.schemas import ReporterIn, ReportIn, SubjectIn
from watchfloor.notify import service as notify
from watchfloor.runtime import Config

API_SOURCE = "legal:api"
MAIL_SOURCE = "legal:mail"
# A request served a little ahead of this server's clock is not refused for it.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Plan:
    """A checked request: what it attracts and the times its clocks run from."""

    body: RequestIn
    reporter: str
    category: str
    received_at: datetime
    obligations: list[Obligation]


def category_of(request_type: str) -> str:
    """The harm area a request's case goes to: privacy for data-subject requests."""
    return "privacy" if request_type.startswith("gdpr_") else "legal_regulatory"


def attracted(config: ObligationsConfig, facts: CaseFacts, at: datetime) -> list[Obligation]:
    """Every obligation a request of ``facts.request_type`` received at ``at`` starts: the start
    event of each obligation naming the type (config/obligations.yaml), read through
    ``attracted`` so replacements and dates in force apply."""
    events = {
        o.starts_on
        for o in config.obligations
        if any(facts.request_type in m.request_types for m in o.applies_to)
    }
    found: dict[str, Obligation] = {}
    for event in sorted(events):
        for o in config.attracted(event, at, facts):
            found.setdefault(o.id, o)
    return list(found.values())


def plan(config: ObligationsConfig, now: datetime, body: RequestIn) -> Plan:
    """Check what the schema cannot: times against now, and a response date where the request
    type's obligation is due when the request says. 422 naming the field."""
    received = body.received_at or now
    if received > now + FUTURE_TOLERANCE:
        raise field_error("received_at", f"{received.isoformat()} is in the future")
    due = body.response_due_at
    if due is not None and due <= received:
        raise field_error(
            "response_due_at", f"{due.isoformat()} is not after the request was received"
        )
    reporter = body.requester.kind or (
        "user" if body.request_type.startswith("gdpr_") else "law_enforcement"
    )
    category = category_of(body.request_type)
    facts = CaseFacts(harm_area=category, reporter=reporter, request_type=body.request_type)
    found = attracted(config, facts, received)
    if due is None:
        by_request = [o.id for o in found if o.due.set_by == "request"]
        if by_request:
            raise field_error(
                "response_due_at",
                f"a {body.request_type} is due when it says ({', '.join(by_request)}): give the "
                "response date it sets",
            )
    return Plan(body, reporter, category, received, found)


def find(session: Session, *, source: str, external_id: str) -> LegalRequest | None:
    return session.scalar(
        select(LegalRequest).where(
            LegalRequest.source == source, LegalRequest.external_id == external_id
        )
    )


def create(
    session: Session,
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    body: RequestIn,
    actor: str,
    source: str = API_SOURCE,
    attachments: list[dict[str, object]] | None = None,
) -> tuple[LegalRequest, bool]:
    """Take a request in; (its row, True) or, when (source, external_id) was taken in before,
    (the first one, False). 422 naming the field for what the schema cannot check."""
    existing = find(session, source=source, external_id=body.external_id)
    if existing is not None:
        return existing, False
    p = plan(config.obligations, clock.now(), body)
    req = body.requester
    row = _new_row(
        clock,
        source=source,
        external_id=body.external_id,
        status="open",
        request_type=body.request_type,
        authority=req.authority,
        legal_basis=body.legal_basis,
        subject=body.subject,
        received_at=p.received_at,
        actor=actor,
    )
    row.person, row.email, row.phone, row.country = req.person, req.email, req.phone, req.country
    row.scope = body.scope.model_dump(mode="json", exclude_none=True)
    row.response_due_at = body.response_due_at
    row.attachments = list(attachments or [])
    _take_in(session, clock, config, link_window, row, p.reporter, p.category, actor)
    row.obligation_ids = start_obligations(session, clock, config, row=row, plan=p, actor=actor)
    _announce(session, clock, row, actor)
    return row, True


def start_obligations(
    session: Session, clock: Clock, config: Config, *, row: LegalRequest, plan: Plan, actor: str
) -> list[int]:
    """Start on the request's case each obligation the plan found, from when it was received;
    the ids of the case obligations it now has (shared ones included)."""
    assert row.case_id is not None
    p = plan
    body = p.body
    started = []
    carried = clocks.for_case(session, config.obligations, clock.now(), case_id=row.case_id)
    for ob in p.obligations:
        # A case about the same subject may already carry the duty (two orders in a week): the
        # request shares that clock rather than failing.
        same = [c for c in carried if c.row.obligation_id == ob.id]
        open_one = next((c for c in same if c.reading.state not in CLOSED_STATES), None)
        if open_one is not None:
            started.append(open_one.row.id)
            continue
        ob_row = clocks.start(
            session,
            clock,
            config.obligations,
            case_id=row.case_id,
            obligation_id=ob.id,
            started_at=p.received_at,
            response_due_at=body.response_due_at if ob.due.set_by == "request" else None,
            actor=actor,
            # What the duty sets off as it starts (a P0 priority, a legal hold on a preservation
            # request...) is done now: the configuration is at hand.
            follow_up=FollowUpConfig(
                taxonomy=config.taxonomy,
                sla=config.sla,
                queues=config.queues,
                incidents=config.incidents,
            ),
        )
        started.append(ob_row.id)
    return started


def create_unclassified(
    session: Session,
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    mail: form.Mail,
    reason: str,
    actor: str,
) -> tuple[LegalRequest, bool]:
    """A mail whose form could not be read: a request that needs classification, on a case in
    the legal queue, with ``reason``; no obligation starts until someone classifies it."""
    existing = find(session, source=MAIL_SOURCE, external_id=mail.message_id)
    if existing is not None:
        return existing, False
    fields = form.form_fields(mail.body)
    sender = mail.sender or "unknown-sender@invalid.example"
    row = _new_row(
        clock,
        source=MAIL_SOURCE,
        external_id=mail.message_id,
        status="needs_classification",
        request_type=None,
        authority=(fields.get("authority") or sender)[:300],
        legal_basis=fields.get("legal_basis", ""),
        subject=SubjectIn(kind="email", id=sender),
        received_at=clock.now(),
        actor=actor,
    )
    row.email = mail.sender or None
    row.classification_note = reason[:2000]
    row.attachments = [a.__dict__ for a in mail.attachments]
    _take_in(session, clock, config, link_window, row, "law_enforcement", "legal_regulatory", actor)
    _announce(session, clock, row, actor)
    return row, True


def from_mail(
    session: Session,
    clock: Clock,
    *,
    config: Config,
    link_window: timedelta,
    mail: form.Mail,
    actor: str,
) -> tuple[LegalRequest, bool]:
    """A request mail taken in: a request when its form reads, else one that needs
    classification with the reason (nothing is lost). Idempotent on the Message-ID."""
    existing = find(session, source=MAIL_SOURCE, external_id=mail.message_id)
    if existing is not None:
        return existing, False
    attachments: list[dict[str, object]] = [a.__dict__ for a in mail.attachments]
    try:
        body = RequestIn.model_validate(form.request_body(mail))
        plan(config.obligations, clock.now(), body)
    except ValidationError as exc:
        reason = "; ".join(
            f"{form.mail_field(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
    except Invalid as exc:
        reason = (
            "; ".join(f"{form.mail_field(f['loc'][1:])}: {f['msg']}" for f in exc.fields or [])
            or exc.message
        )
    else:
        return create(
            session,
            clock,
            config=config,
            link_window=link_window,
            body=body,
            actor=actor,
            source=MAIL_SOURCE,
            attachments=attachments,
        )
    return create_unclassified(
        session,
        clock,
        config=config,
        link_window=link_window,
        mail=mail,
        reason=reason,
        actor=actor,
    )


def _new_row(
    clock: Clock,
    *,
    source: str,
    external_id: str,
    status: str,
    request_type: str | None,
    authority: str,
    legal_basis: str,
    subject: SubjectIn,
    received_at: datetime,
    actor: str,
) -> LegalRequest:
    return LegalRequest(
        source=source,
        external_id=external_id,
        status=status,
        request_type=request_type,
        authority=authority,
        legal_basis=legal_basis,
        scope={},
        subject_kind=subject.kind,
        subject_id=subject.id,
        received_at=received_at,
        attachments=[],
        obligation_ids=[],
        created_by=actor,
        created_at=clock.now(),
    )


def _take_in(
    session: Session,
    clock: Clock,
    config: Config,
    link_window: timedelta,
    row: LegalRequest,
    reporter: str,
    category: str,
    actor: str,
) -> None:
    """Store the row, then its case through intake with a neutral report naming it."""
    session.add(row)
    session.flush()
    now = clock.now()
    report = ReportIn(
        source=row.source,
        external_id=row.external_id,
        text=neutral_text(row.id, category),
        reporter=ReporterIn.model_validate({"kind": reporter}),
        subject=SubjectIn.model_validate({"kind": row.subject_kind, "id": row.subject_id}),
        category=category,
        reported_at=min(row.received_at, now),
    )
    result = intake.ingest(
        session,
        clock,
        config=config,
        link_window=link_window,
        reports=[report],
        actor=actor,
        received_at=row.received_at if row.received_at < now else None,
    )[0]
    row.case_id = cases.get_or_raise(session, key=result.case).id
    session.flush()


def neutral_text(request_id: int, category: str) -> str:
    """The case's report text: whoever may read the case may not read the request, so the
    report only points at it. Its words are triage rules' phrases (config/triage_rules.yaml:
    "gdpr" for privacy, "law enforcement" for legal_regulatory), so the case is placed by rule
    in the legal queue, never by the classifier's reading of a text that says nothing."""
    key = request_key(request_id)
    if category == "privacy":
        return f"Data-subject request {key} (GDPR): contents in the legal view"
    return f"Legal request {key} from law enforcement or a regulator: contents in the legal view"


def _announce(session: Session, clock: Clock, row: LegalRequest, actor: str) -> None:
    """The audit event and the outbox event of a new request: ids and type, never contents."""
    data = {
        "request": request_key(row.id),
        "request_id": row.id,
        "case": None if row.case_id is None else case_key(row.case_id),
        "request_type": row.request_type,
        "status": row.status,
        "source": row.source,
    }
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="legal_request.received",
        object_type="legal_request",
        object_id=request_key(row.id),
        after={**data, "country": row.country, "obligations": list(row.obligation_ids)},
    )
    notify.enqueue(session, clock, event_type="legal_request.received", data=data)
