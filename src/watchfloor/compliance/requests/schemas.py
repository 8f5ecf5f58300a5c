"""What the legal requests API takes and gives: a request, a response item, a request read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from watchfloor.compliance.clocks.schemas import ObligationOut
from watchfloor.compliance.clocks.vocabulary import REQUEST_TYPES
from watchfloor.compliance.requests.form import country_code, request_type_of
from watchfloor.intake.schemas import SubjectIn

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
RequesterKind = Literal["law_enforcement", "regulator", "user"]
ItemKind = Literal["acknowledgement", "disclosure", "refusal"]
Delivery = Literal["portal", "email", "secure_transfer", "post", "in_person", "other"]
Status = Literal["open", "needs_classification", "answered"]


def _request_type(value: str) -> str:
    return request_type_of(value, REQUEST_TYPES)


RequestType = Annotated[str, AfterValidator(_request_type)]
Country = Annotated[str, AfterValidator(country_code)]


class RequesterIn(BaseModel):
    """Who sent the request: the authority (or, for a GDPR request, the data subject)."""

    model_config = ConfigDict(extra="forbid")
    kind: RequesterKind | None = Field(
        default=None,
        description="law_enforcement, regulator, or user (a data subject). Default: user for "
        "gdpr_* requests, law_enforcement otherwise.",
    )
    authority: Text = Field(description="The issuing authority, or the data subject's name")
    person: Text | None = None
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
        | None
    ) = None
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+()./ -]{3,64}$")] | None = None
    country: Country | None = Field(
        default=None, description="ISO 3166-1 alpha-2 of the authority (EL and UK accepted)"
    )


class ScopeIn(BaseModel):
    """What the request asks for."""

    model_config = ConfigDict(extra="forbid")
    accounts: list[Item] = Field(default_factory=list, max_length=200)
    identifiers: list[Item] = Field(
        default_factory=list, max_length=200, description="Emails, phones, IPs... as given"
    )
    data_types: list[Item] = Field(
        default_factory=list, max_length=50, description="subscriber, ip_logs, content..."
    )
    date_from: date | None = None
    date_to: date | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _range(self) -> ScopeIn:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from: give the range first day to last")
        return self


class RequestIn(BaseModel):
    """A request from an authority, a regulator or a data subject. (source, external_id)
    identifies it: sending it again returns the first."""

    model_config = ConfigDict(extra="forbid")
    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)
    ]
    request_type: RequestType = Field(description="One of " + ", ".join(REQUEST_TYPES))
    requester: RequesterIn
    legal_basis: LongText = Field(description="The citation the request rests on")
    scope: ScopeIn = Field(default_factory=ScopeIn)
    subject: SubjectIn = Field(description="What (whom) the request is about")
    received_at: AwareDatetime | None = Field(
        default=None, description="When it was received or served (default: now)"
    )
    response_due_at: AwareDatetime | None = Field(
        default=None, description="The response date the request sets (subpoenas, warrants)"
    )

    @model_validator(mode="after")
    def _dates(self) -> RequestIn:
        if (
            self.received_at is not None
            and self.response_due_at is not None
            and self.response_due_at <= self.received_at
        ):
            raise ValueError("response_due_at is not after received_at: check both dates")
        return self


class ClassifyIn(BaseModel):
    """What a person read in a mail that needed classification: the request it is. Its
    obligations start from ``received_at`` (default: when the mail arrived)."""

    model_config = ConfigDict(extra="forbid")
    request_type: RequestType = Field(description="One of " + ", ".join(REQUEST_TYPES))
    requester: RequesterIn
    legal_basis: LongText
    scope: ScopeIn = Field(default_factory=ScopeIn)
    subject: SubjectIn = Field(description="What (whom) the request is about")
    received_at: AwareDatetime | None = None
    response_due_at: AwareDatetime | None = None


class ResponseIn(BaseModel):
    """One item of the response package: an acknowledgement, a disclosure or a refusal."""

    model_config = ConfigDict(extra="forbid")
    kind: ItemKind
    data_categories: list[Item] = Field(default_factory=list, max_length=50)
    identifiers: list[Item] = Field(default_factory=list, max_length=500)
    at: AwareDatetime | None = Field(default=None, description="When it was sent (default: now)")
    recipient: Text = Field(description="To whom it went")
    sent_by: Text | None = Field(default=None, description="Who sent it (default: you)")
    delivery: Delivery
    refusal_reason: LongText | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] = ""
    final: bool = Field(default=False, description="This item completes the response")
    mark_met: bool = Field(
        default=False,
        description="With final: record the request's deadline obligations met at `at`",
    )

    @model_validator(mode="after")
    def _coherent(self) -> ResponseIn:
        if self.kind == "refusal" and not self.refusal_reason:
            raise ValueError("a refusal needs refusal_reason: the reason given to the requester")
        if self.kind != "refusal" and self.refusal_reason:
            raise ValueError("refusal_reason goes with kind refusal only")
        if self.kind == "disclosure" and not self.data_categories:
            raise ValueError("a disclosure names its data_categories (subscriber, ip_logs...)")
        if self.mark_met and not self.final:
            raise ValueError("mark_met goes with final: true (the response is complete)")
        return self


class ResponseOut(BaseModel):
    id: int
    kind: str
    data_categories: list[str]
    identifiers: list[str]
    at: datetime
    recipient: str
    sent_by: str
    delivery: str
    refusal_reason: str | None
    note: str
    final: bool
    created_by: str
    created_at: datetime


class RequesterOut(BaseModel):
    authority: str
    person: str | None
    email: str | None
    phone: str | None
    country: str | None


class RequestSummary(BaseModel):
    """A request as listed."""

    id: int
    key: str = Field(description="LR-000012")
    case: str | None = Field(description="The case's key")
    source: str
    external_id: str
    status: Status
    request_type: str | None = Field(description="null while it needs classification")
    authority: str
    country: str | None
    received_at: datetime
    response_due_at: datetime | None
    due_at: datetime | None = Field(description="The soonest due time of its open obligations")
    answered_at: datetime | None


class RequestOut(RequestSummary):
    """A request with everything the legal view shows."""

    requester: RequesterOut
    legal_basis: str
    scope: dict[str, Any]
    subject: dict[str, str]
    classification_note: str | None
    attachments: list[dict[str, Any]]
    acknowledged_at: datetime | None
    obligations: list[ObligationOut]
    responses: list[ResponseOut]
    created_by: str
    created_at: datetime
