"""What the incident API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from watchfloor.incidents.config import Channels, Severity

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CaseKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
StatusName = Literal["active", "mitigated", "resolved", "closed"]
EntryKind = Literal["note", "decision", "contact"]
TaskStatus = Literal["open", "done", "cancelled"]


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Severity
    title: Title
    harm_area: str | None = Field(default=None, description="A harm area of the taxonomy.")
    cases: list[CaseKey] = Field(default_factory=list, max_length=500)
    summary: str = Field(default="", max_length=10_000)
    commander: Username | None = Field(
        default=None, description="Who commands it; you, when not named (and you are not paged)."
    )
    channels: Channels | None = Field(
        default=None, description="Where stakeholder updates go; incidents.yaml's default if none."
    )
    roles: dict[Annotated[str, StringConstraints(max_length=32)], Username] = Field(
        default_factory=dict,
        max_length=10,
        description='Roles to give now, e.g. {"legal": "lee.legal"}; each holder is paged.',
    )


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[CaseKey] = Field(min_length=1, max_length=500)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StatusName
    note: str = Field(default="", max_length=10_000)


class RoleIn(BaseModel):
    """Give a role to a person, or to whoever is on call on a schedule; either pages them."""

    model_config = ConfigDict(extra="forbid")
    role: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    user: Username | None = None
    schedule: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> RoleIn:
        if (self.user is None) == (self.schedule is None):
            raise ValueError("name either user or schedule (one of them)")
        return self


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: EntryKind
    text: Text
    basis: str | None = Field(
        default=None, max_length=2000, description="A decision's policy or legal basis (required)."
    )
    party: str | None = Field(
        default=None,
        max_length=200,
        description="A contact's other side (required), e.g. a police force.",
    )
    key: bool = False

    @model_validator(mode="after")
    def _needs(self) -> EntryIn:
        if self.kind == "decision" and not (self.basis or "").strip():
            raise ValueError("a decision needs its basis: the policy or law it rests on")
        if self.kind == "contact" and not (self.party or "").strip():
            raise ValueError("a contact needs its party: who was contacted or who contacted us")
        return self


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: bool


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    owner: Username | None = None
    due_at: datetime | None = Field(default=None, description="With a UTC offset.")
    action_item: bool = Field(default=False, description="A follow-up from the review.")


class TaskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TaskStatus | None = None
    owner: Username | None = None
    due_at: datetime | None = None


class ReviewIn(BaseModel):
    """The review's editable sections; a field left out keeps its text."""

    model_config = ConfigDict(extra="forbid")
    summary: str | None = Field(default=None, max_length=20_000)
    impact_note: str | None = Field(default=None, max_length=20_000)
    went_well: str | None = Field(default=None, max_length=20_000)
    went_badly: str | None = Field(default=None, max_length=20_000)


class CaseLinkOut(BaseModel):
    key: str
    priority: str
    harm_area: str
    status: str
    assignee: str | None
    first_action_due_at: datetime
    resolve_due_at: datetime
    clock_state: str = Field(description="The state of the clock running now: ok, warning, …")
    due_at: datetime | None = Field(description="When the clock running now falls due.")
    linked_at: datetime


class RoleOut(BaseModel):
    role: str
    title: str
    user: str | None
    since: datetime | None
    page: str | None = Field(description="The page that called them in.")
    page_state: str | None
    required: bool


class EntryOut(BaseModel):
    """One line of the timeline: a person's entry, or an audit event of the incident or a case."""

    id: str = Field(description="entry-<n> or audit-<n>: what to flag as key.")
    at: datetime
    author: str
    kind: str = Field(description="note, decision, contact, or the audit action (case.decided…)")
    text: str
    basis: str | None = None
    party: str | None = None
    object: str = Field(description="The incident or case it is about.")
    key: bool


class TimelineOut(BaseModel):
    entries: list[EntryOut] = Field(description="Newest first.")
    total: int = Field(description="How many entries the whole timeline holds.")
    next_before: str | None = Field(description="Pass as before= to read older entries.")


class TaskOut(BaseModel):
    id: int
    title: str
    owner: str | None
    due_at: datetime | None
    status: str
    overdue: bool
    action_item: bool
    created_at: datetime
    created_by: str
    done_at: datetime | None


class UpdateOut(BaseModel):
    id: int
    at: datetime
    author: str
    text: str
    channels: Channels
    event_id: str


class DraftOut(BaseModel):
    """A draft for a person to read, edit and send: never sent as it is."""

    draft: bool = True
    text: str
    source: Literal["llm", "template"]
    model: str | None = None
    note: str | None = Field(
        default=None, description="Why the template was used, if the LLM failed."
    )


class MetricsOut(BaseModel):
    time_to_declare_seconds: int
    time_to_mitigate_seconds: int | None
    time_to_resolve_seconds: int | None
    time_to_close_seconds: int | None


class ImpactOut(BaseModel):
    cases: int
    open_cases: int
    reports: int
    subjects: int = Field(description="Distinct accounts or items reported.")
    users_affected: int = Field(description="Distinct people who reported (users affected).")


class IncidentOut(BaseModel):
    key: str
    severity: str
    severity_meaning: str
    title: str
    harm_area: str | None
    status: str
    allowed_next: list[str]
    detected_at: datetime
    declared_at: datetime
    declared_by: str
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    commander: str | None
    cases: int
    open_cases: int
    tasks_open: int
    tasks_overdue: int
    last_update_at: datetime | None
    next_update_due_at: datetime | None
    update_overdue: bool
    missing_roles: list[str] = Field(description="Roles the severity requires that nobody holds.")
    metrics: MetricsOut
    channels: Channels


class IncidentDetail(IncidentOut):
    summary: str
    roles: list[RoleOut]
    linked: list[CaseLinkOut] = Field(description="Most urgent first, up to 100.")
    linked_by_status: dict[str, int]
    tasks: list[TaskOut]
    updates: list[UpdateOut]
    impact: ImpactOut
    went_well: str
    went_badly: str
    impact_note: str


class DeclaredOut(BaseModel):
    incident: IncidentDetail
    paged: list[str] = Field(description="The pages sent to the roles' holders.")


class ReviewOut(BaseModel):
    """The post-incident review: what ``watchfloor incident report`` and the API render."""

    generated_at: datetime
    incident: IncidentDetail
    key_timeline: list[EntryOut] = Field(description="Entries flagged key, oldest first.")
    action_items: list[TaskOut] = Field(description="Tasks marked as review action items.")
