"""Case requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from watchfloor.intake.schemas import (
    DETECTED_LANGUAGE,
    LANGUAGE_CONFIDENCE,
    EvidenceOut,
    JsonObject,
    ReporterIn,
)

ActionKind = Literal[
    "no_action",
    "notify_reporter",
    "warn_user",
    "remove_content",
    "restrict_feature",
    "suspend_account",
    "ban_account",
    "revoke_api_key",
    "preserve_data",
    "refer_to_law_enforcement",
    "report_to_ncmec",
]
KEY_PREFIX = "CASE-"


def case_key(case_id: int) -> str:
    """The human key people say and type: CASE-000123."""
    return f"{KEY_PREFIX}{case_id:06d}"


def parse_case_key(key: str) -> int | None:
    """The integer id behind a CASE-000123 key, or None if ``key`` is not one."""
    if not key.upper().startswith(KEY_PREFIX):
        return None
    digits = key[len(KEY_PREFIX) :]
    if not digits.isdigit() or len(digits) > 12:
        return None
    return int(digits)


# What may be ordered when no policy was violated.
NON_ENFORCEMENT = {"no_action", "notify_reporter"}
LifecycleAction = Literal[
    "assign",
    "release",
    "start_review",
    "request_info",
    "info_received",
    "escalate",
    "close",
    "reopen",
]


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ActionKind
    params: JsonObject = Field(
        default_factory=dict, description="Details for the receiving system, e.g. duration_days."
    )


class DecisionIn(BaseModel):
    """The decision on a case; recording it resolves the case and orders its actions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "policy_id": "VT-THREAT",
                "violation": True,
                "rationale": "Explicit threat to kill a named person, repeated after a warning.",
                "actions": [{"kind": "suspend_account", "params": {"duration_days": 30}}],
            }
        },
    )
    policy_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    violation: bool
    rationale: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=10_000)
    ]
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _actions_fit_verdict(self) -> DecisionIn:
        kinds = [a.kind for a in self.actions]
        if self.violation and not (set(kinds) - NON_ENFORCEMENT):
            raise ValueError("a violation needs at least one enforcement action")
        if not self.violation and set(kinds) - NON_ENFORCEMENT:
            extra = ", ".join(sorted(set(kinds) - NON_ENFORCEMENT))
            raise ValueError(f"no violation was found, so no enforcement may be ordered ({extra})")
        if len(set(kinds)) != len(kinds):
            raise ValueError("each action kind may be ordered once per decision")
        return self


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: LifecycleAction
    assignee: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="With 'assign': who gets the case (a lead may assign others)."
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None,
        description="Why; required to escalate (what the incident manager must decide).",
    )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
    ] = Field(description="What the next person to work the case should know; internal only.")


class NoteOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class SubjectOut(BaseModel):
    id: int
    kind: str
    external_id: str
    display_name: str | None
    identifiers: list[dict[str, str]]


class SlaClockOut(BaseModel):
    due_at: datetime
    warn_at: datetime = Field(description="When the warning fraction of the clock has run.")
    state: Literal["ok", "warning", "breached", "paused", "met"]
    remaining_seconds: int = Field(
        description="Until due: negative once overdue; frozen while paused or once stopped."
    )
    breached_at: datetime | None = Field(description="When the sweep recorded the breach.")


class SlaOut(BaseModel):
    """The case's SLA clocks: time to first action and time to resolution."""

    first_action: SlaClockOut
    resolution: SlaClockOut
    paused_since: datetime | None = Field(description="Set while pending_info or resolved.")
    paused_seconds: int = Field(description="Calendar time the clocks were paused, in total.")
    legal_due_at: datetime | None = Field(description="The legal deadline capping both clocks.")


class CaseOut(BaseModel):
    key: str
    harm_area: str
    priority: str
    status: str
    queue: str
    assignee: str | None
    subject_id: int
    region: str | None
    language: str | None
    summary: str | None = Field(
        description="The start of the first report's text; null while withheld."
    )
    summary_withheld: str | None = Field(
        default=None,
        description="Set when the summary is not sent to you: graphic-area report text is "
        "never shown to roles that may not see evidence.",
    )
    reasons: list[str]
    risk: float = Field(description="Triage's risk score 0-1.")
    harm_areas: list[str]
    suggested_policy: str | None
    flags: list[str] = Field(description="e.g. classifier_failed: triaged by rules only.")
    report_count: int
    created_at: datetime
    updated_at: datetime
    first_action_due_at: datetime
    resolve_due_at: datetime
    first_action_at: datetime | None
    resolved_at: datetime | None
    allowed_actions: list[str]
    sla: SlaOut


class CaseReportOut(BaseModel):
    id: int
    source: str
    external_id: str
    received_at: datetime
    reporter: ReporterIn
    text: str | None = Field(description="null while withheld (see withheld).")
    withheld: str | None = Field(
        default=None,
        description="Set when the text is not sent to you: graphic-area report text is never "
        "shown to roles that may not see evidence.",
    )
    language: str | None = Field(default=None, description="The language the reporter gave.")
    detected_language: str | None = Field(default=None, description=DETECTED_LANGUAGE)
    language_confidence: float | None = Field(default=None, description=LANGUAGE_CONFIDENCE)
    harm_area: str
    priority: str
    risk: float
    area_scores: dict[str, float] = Field(description="The classifier's score per harm area.")
    reasons: list[str]
    flags: list[str]
    evidence: list[EvidenceOut]


class DeliveryOut(BaseModel):
    endpoint: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


class ActionOut(BaseModel):
    id: int
    kind: str
    params: dict[str, Any]
    event_id: str
    deliveries: list[DeliveryOut]


class DecisionOut(BaseModel):
    id: int
    policy_id: str
    violation: bool
    rationale: str
    decided_by: str
    created_at: datetime
    actions: list[ActionOut]


class CaseDetail(CaseOut):
    subject: SubjectOut
    reports: list[CaseReportOut]
    decisions: list[DecisionOut]


class RevealOut(BaseModel):
    """An evidence item revealed to you: its content, and where your exposure today stands."""

    evidence: EvidenceOut
    counted: bool = Field(
        description="True: this reveal was audited and counted; false: you revealed it earlier "
        "today, so it was neither again."
    )
    hidden_by_default: bool = Field(description="Whether the item is withheld until revealed.")
    exposure_today: int = Field(description="Graphic cases handed to you plus items revealed.")
    budget: int | None = Field(description="Your daily graphic budget; null: no limit set.")


class CasePage(BaseModel):
    cases: list[CaseOut]
    next_before: int | None = Field(description="Pass as before= to get the next page.")


class AssistOut(BaseModel):
    """Advice on a case: from the language model, or from the offline triage when it is off or fails."""

    source: Literal["llm", "offline"]
    model: str | None = Field(description="The model that answered; null for offline advice.")
    harm_area: str
    policy_id: str | None
    violation: bool | None = Field(description="null when offline: triage does not judge it.")
    confidence: float | None = Field(description="0-1 from the model; null when offline.")
    priority: str
    rationale: str
    summary: str
    fallback_reason: str | None = Field(
        description="Why the offline advice was given instead, e.g. 'LLM timed out after 20s'."
    )
