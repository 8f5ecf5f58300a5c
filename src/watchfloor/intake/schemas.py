"""What intake accepts and answers."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.intake.json_bodies import JsonObject as JsonObject  # also for cases.schemas
from watchfloor.triage.linking import identifiers

MAX_FILE_BYTES = 10 * 1024 * 1024

ReporterKind = Literal[
    "user", "trusted_flagger", "law_enforcement", "internal", "detector", "anonymous", "regulator"
]
SubjectKind = Literal[
    "account", "organisation", "api_key", "content", "url", "group", "app", "email", "phone"
]
Sensitivity = Literal["none", "sensitive", "graphic"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,63}$")]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]


DETECTED_LANGUAGE = (
    "The language triage detected in the text (ISO 639-1, e.g. 'fr'), whatever the reporter "
    "gave; null when the text has no words to go by or the report predates detection. Rules "
    "that name languages read the given language, else this one when its confidence is at "
    "least 0.5."
)
LANGUAGE_CONFIDENCE = "How sure the detection is, 0-1; null when nothing was detected."


class ReporterIn(BaseModel):
    """Who reported: a user, a trusted flagger, law enforcement, an internal team or a detector."""

    model_config = ConfigDict(extra="forbid")
    kind: ReporterKind = "user"
    id: Annotated[str, StringConstraints(max_length=256)] | None = None


class IdentifierIn(BaseModel):
    """Another handle on the subject. Subjects that share one are linked.

    Known kinds are checked and stored in one canonical form: ``email``, ``domain``, ``phone``
    (E.164 when it has its country code), ``ip``, ``device_id``, ``payment_fingerprint``,
    ``api_key_owner`` (the organisation or account that owns an API key). Any other kind
    (``client_id``, ``owner_account``…) is kept as given.
    """

    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    value: Ident

    @field_validator("kind")
    @classmethod
    def _canonical_kind(cls, kind: str) -> str:
        return identifiers.canonical_kind(kind)

    @field_validator("value")
    @classmethod
    def _canonical_value(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:  # the kind was invalid and is reported on its own
            return value
        try:
            return identifiers.normalise(kind, value)
        except identifiers.BadIdentifier as exc:
            raise ValueError(f"not a valid {kind}: {exc}") from None


class SubjectIn(BaseModel):
    """What the report is about, named as the platform names it."""

    model_config = ConfigDict(extra="forbid")
    kind: SubjectKind
    id: Ident = Field(description="The subject's id in its own system (account id, URL, key id…).")
    display_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=50)


class EvidenceIn(BaseModel):
    """Text, or a file given as base64. ``sensitivity`` decides how the console shows it."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["text", "file"]
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] | None = None
    content_base64: str | None = Field(default=None, max_length=(MAX_FILE_BYTES * 4) // 3 + 4)
    filename: Annotated[str, StringConstraints(max_length=255)] | None = None
    media_type: (
        Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=127)] | None
    ) = None
    sensitivity: Sensitivity = "none"

    @model_validator(mode="after")
    def _content_matches_kind(self) -> EvidenceIn:
        if self.kind == "text":
            if self.text is None or self.content_base64 is not None:
                raise ValueError("text evidence needs 'text' and no 'content_base64'")
        else:
            if self.content_base64 is None or self.text is not None:
                raise ValueError("file evidence needs 'content_base64' and no 'text'")
            self.content()
        return self

    def content(self) -> bytes:
        """The file bytes (empty for text evidence); decoded once, when the report is validated,
        then shared by hash matching and storage."""
        return self._decoded

    @cached_property
    def _decoded(self) -> bytes:
        if self.content_base64 is None:
            return b""
        try:
            return base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("content_base64 is not valid base64") from None


class ReportIn(BaseModel):
    """One report. (source, external_id) identifies it: sending it again returns the original."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "source": "in_app",
                "external_id": "rpt-8842",
                "text": "This account keeps messaging me saying they will kill me.",
                "reporter": {"kind": "user", "id": "u-1181"},
                "subject": {
                    "kind": "account",
                    "id": "acct-42",
                    "identifiers": [{"kind": "email", "value": "x@example.com"}],
                },
                "region": "EU",
                "language": "en",
            }
        },
    )
    source: Slug = Field(description="The system the report came from: in_app, email, detector:…")
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    reporter: ReporterIn = Field(default_factory=ReporterIn)
    subject: SubjectIn
    category: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="The harm area the reporter chose, if any (a taxonomy id)."
    )
    region: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z-]{1,15}$")] | None = None
    language: (
        Annotated[
            str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
        ]
        | None
    ) = None
    reported_at: AwareDatetime | None = Field(
        default=None, description="When the reporter reported it; defaults to when it arrived."
    )
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)
    metadata: JsonObject = Field(
        default_factory=dict,
        description="Anything else the source knows, as JSON (integers within 64 bits).",
    )


class ReportBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reports: list[ReportIn] = Field(min_length=1, max_length=1000)


class IngestResult(BaseModel):
    """What happened to one report."""

    report_id: int
    source: str
    external_id: str
    case: str = Field(description="The key of the case the report belongs to.")
    created: bool = Field(description="False when this (source, external_id) was already received.")
    case_opened: bool = Field(description="True when this report opened a new case.")
    harm_area: str
    priority: str
    risk: float = Field(ge=0, le=1, description="Triage's risk score for this report.")
    harm_areas: list[str] = Field(description="Every harm area a triage signal placed it in.")
    reasons: list[str]
    flags: list[str] = Field(description="e.g. classifier_failed: triaged by rules only.")
    detected_language: str | None = Field(
        default=None, description=DETECTED_LANGUAGE, examples=["fr"]
    )
    language_confidence: float | None = Field(
        default=None, ge=0, le=1, description=LANGUAGE_CONFIDENCE
    )
    received_at: datetime


class BatchResult(BaseModel):
    results: list[IngestResult]
    created: int
    duplicates: int
    cases_opened: int


class Receipt(BaseModel):
    """What happened to one report sent with ``Prefer: respond-async``."""

    source: str
    external_id: str
    status: Literal["accepted", "waiting", "triaged"] = Field(
        description="accepted: stored now, to be triaged by the worker; waiting: accepted "
        "earlier and not yet triaged; triaged: received earlier and already on a case."
    )
    created: bool = Field(description="True only for a report this request stored.")
    report_id: int | None = Field(description="Once triaged: the report's id.")
    case: str | None = Field(description="Once triaged: the key of its case.")
    received_at: datetime = Field(description="When it arrived: its SLA clocks start here.")


class AcceptedBatch(BaseModel):
    """A batch taken into the intake backlog: stored, and triaged within moments by the worker.
    Sending a report again returns its case once it is triaged."""

    results: list[Receipt]
    accepted: int
    duplicates: int


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    text: str | None = Field(
        description="Text evidence; null for a file, or while withheld (see withheld)."
    )
    filename: str | None
    media_type: str | None
    size: int
    sha256: str
    md5: str
    sensitivity: str
    withheld: str | None = Field(
        default=None,
        description="Set when the content is held back until you reveal it: why, and the "
        "reveal to POST, e.g. 'graphic: POST /api/v1/cases/CASE-000001/evidence/7/reveal'. "
        "A reveal is audited and counts toward your daily exposure.",
    )


class ReportOut(BaseModel):
    id: int
    source: str
    external_id: str
    case: str
    received_at: datetime
    reported_at: datetime
    reporter: ReporterIn
    subject: SubjectIn
    text: str | None = Field(description="null while withheld (see withheld).")
    withheld: str | None = Field(
        default=None,
        description="Set when the text is not sent to you: graphic-area report text is never "
        "shown to roles that may not see evidence.",
    )
    category: str | None
    region: str | None
    language: str | None = Field(description="The language the reporter gave, if any.")
    detected_language: str | None = Field(description=DETECTED_LANGUAGE, examples=["fr"])
    language_confidence: float | None = Field(ge=0, le=1, description=LANGUAGE_CONFIDENCE)
    harm_area: str
    priority: str
    reasons: list[str]
    evidence: list[EvidenceOut]
    metadata: dict[str, Any]
