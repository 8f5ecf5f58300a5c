"""What the linking routes answer: a subject, the subjects linked to it, and similar reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class IdentifierOut(BaseModel):
    kind: str
    value: str


class SubjectOut(BaseModel):
    """A subject and every identifier stored for it (an e-mail's domain included)."""

    id: int
    kind: str
    external_id: str
    display_name: str | None
    created_at: datetime
    identifiers: list[IdentifierOut]


class LinkedSubject(BaseModel):
    id: int
    kind: str
    external_id: str
    display_name: str | None
    hops: int = Field(description="How many shared identifiers away from the asked-for subject.")
    shared: list[IdentifierOut] = Field(
        description="The identifiers it shares with the subjects one hop closer."
    )


class SharedIdentifier(BaseModel):
    """An identifier held by two or more subjects of the view: one edge of the ring."""

    kind: str
    value: str
    subject_ids: list[int]


class NotFollowed(BaseModel):
    """An identifier of the view that was not followed, and why."""

    kind: str
    value: str
    reason: str
    subjects: int | None = Field(
        default=None, description="How many subjects hold it (for a hub identifier)."
    )


class OpenCase(BaseModel):
    key: str
    subject_id: int
    status: str
    harm_area: str
    priority: str
    queue: str
    report_count: int
    created_at: datetime


class RelatedOut(BaseModel):
    """The subjects connected to one subject through shared identifiers, and their open cases."""

    subject: SubjectOut
    depth: int
    subjects: list[LinkedSubject] = Field(description="Linked subjects, nearest first.")
    shared_identifiers: list[SharedIdentifier]
    not_followed: list[NotFollowed]
    truncated: bool = Field(description="True when the view stopped at its subject limit.")
    open_cases: list[OpenCase] = Field(
        description="Open cases (not resolved or closed) of the subject and every linked subject."
    )


class SimilarReport(BaseModel):
    report_id: int
    case: str
    case_status: str
    subject_id: int
    harm_area: str
    received_at: datetime
    similarity: float = Field(description="Estimated Jaccard similarity of word 3-shingles.")
    excerpt: str | None = Field(description="The start of its text; null while withheld.")
    withheld: str | None = Field(
        default=None,
        description="Set when the excerpt is not sent to you: graphic-area report text is never "
        "shown to roles that may not see evidence.",
    )


class SimilarOut(BaseModel):
    """Reports whose text nearly repeats this report's: likely one campaign."""

    report_id: int
    case: str
    indexed: bool = Field(
        description="False when the text is too short to compare (or predates the text index)."
    )
    min_similarity: float
    reports: list[SimilarReport] = Field(description="Most similar first.")
    cases: list[str] = Field(description="The distinct cases of the similar reports.")
    capped: bool = Field(
        description="True when there were too many candidates and only the likeliest were checked."
    )
