"""Legal obligations as data (config/obligations.yaml): what starts each clock, how long it runs,
what may pause or extend it, who must be told, the law it comes from, and what attracts it.

Durations are a small typed form, ``Span``: whole calendar months (the way EU law counts them,
31 January + 1 month = 28/29 February) plus an exact timedelta (hours and days are elapsed time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.compliance.clocks.vocabulary import (
    AUDIENCES,
    JURISDICTIONS,
    PAUSE_REASONS,
    REPORTER_KINDS,
    REQUEST_TYPES,
    START_EVENTS,
    AudienceName,
    FollowUpAction,
    JurisdictionName,
    Kind,
    PauseReasonName,
    RequestTypeName,
    StartEventName,
)
from watchfloor.configfile import load_yaml_model, parse_duration
from watchfloor.incidents.config import Severity
from watchfloor.intake.schemas import ReporterKind
from watchfloor.triage.taxonomy import Priority, Taxonomy

ZERO = timedelta(0)


def _one_of(what: str, known: tuple[str, ...]) -> BeforeValidator:
    """A check that names the field's value and every accepted one (pydantic's own message for a
    Literal does not say which kind of name was wrong)."""

    def check(value: object) -> object:
        if isinstance(value, str) and value not in known:
            raise ValueError(f"unknown {what} {value!r}; known: {', '.join(known)}")
        return value

    return BeforeValidator(check)


Jurisdiction = Annotated[JurisdictionName, _one_of("jurisdiction", JURISDICTIONS)]
StartEvent = Annotated[StartEventName, _one_of("starting event", START_EVENTS)]
Audience = Annotated[AudienceName, _one_of("audience", AUDIENCES)]
RequestType = Annotated[RequestTypeName, _one_of("request type", REQUEST_TYPES)]
PauseReason = Annotated[PauseReasonName, _one_of("pause reason", PAUSE_REASONS)]
Reporter = Annotated[ReporterKind, _one_of("reporter kind", REPORTER_KINDS)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


@dataclass(frozen=True)
class Span:
    """A legal duration: whole calendar months, then an exact amount of elapsed time."""

    months: int = 0
    delta: timedelta = ZERO

    def after(self, start: datetime) -> datetime:
        """The instant this span after ``start`` (UTC). Months count on the calendar of the zone
        ``start`` is given in and clamp to the month's end; the timedelta is elapsed time."""
        return (start + relativedelta(months=self.months)).astimezone(UTC) + self.delta

    def __add__(self, other: Span) -> Span:
        return Span(self.months + other.months, self.delta + other.delta)

    @property
    def shortest(self) -> timedelta:
        """The least elapsed time the span can be (a month is at least 28 days)."""
        return timedelta(days=28 * self.months) + self.delta

    def __str__(self) -> str:
        parts = [f"{self.months} month{'s' if self.months != 1 else ''}"] if self.months else []
        if self.delta or not parts:
            seconds = int(self.delta.total_seconds())
            if seconds % 86400 == 0 and seconds > 3 * 86400:
                parts.append(f"{seconds // 86400}d")
            elif seconds % 3600 == 0:
                parts.append(f"{seconds // 3600}h")
            else:
                parts.append(str(self.delta))
        return " ".join(parts)


_PART = r"\s*(\d+)\s*(year|month|week|day|hour|minute|[mhdw])s?\s*,?"


def parse_span(value: object) -> Span:
    """``1 month``, ``2 months``, ``1 year``, ``72h``, ``10 days``, ``1 month 15d`` as a Span."""
    if isinstance(value, Span):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    if text.startswith("-"):
        raise ValueError(f"{value!r}: a duration cannot be negative")
    if not re.fullmatch(f"(?:{_PART})+", text):
        raise ValueError(
            f"{value!r} is not a duration; write it like 72h, 10d, 1 month or 1 year "
            "(a bare number is ambiguous)"
        )
    span = Span()
    for number, unit in re.findall(_PART, text):
        if unit in ("year", "month"):
            span += Span(months=int(number) * (12 if unit == "year" else 1))
        else:  # minute, hour, day, week: parse_duration's m, h, d, w
            span += Span(delta=parse_duration(f"{number}{unit[0]}"))
    return span


SpanField = Annotated[Span, PlainValidator(parse_span)]
Delay = Annotated[timedelta, BeforeValidator(parse_duration)]


def _positive(span: Span) -> Span:
    if span.shortest <= ZERO:
        raise ValueError("must be longer than zero")
    return span


PositiveSpan = Annotated[Span, PlainValidator(parse_span), AfterValidator(_positive)]


class Law(BaseModel):
    """Where the obligation comes from: the citation as a lawyer writes it, and its official text."""

    model_config = ConfigDict(extra="forbid")
    citation: str = Field(min_length=3)
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")]


class Due(BaseModel):
    """How the due time is set: a number in the law, an internal target where the law says only
    "promptly" (or the like), or a date the request itself gives (subpoenas, orders, warrants)."""

    model_config = ConfigDict(extra="forbid")
    set_by: Literal["law", "internal", "request"]
    within: SpanField | None = None
    law_says: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Due:
        if self.set_by == "request":
            if self.within is not None:
                raise ValueError(
                    "a due time set by the request has no `within`: the request gives it"
                )
            return self
        if self.within is None:
            raise ValueError(
                f"a due time set by {self.set_by} needs `within` (like 72h or 1 month)"
            )
        if self.set_by == "internal":
            if not self.law_says:
                raise ValueError("an internal target needs `law_says`: the law's own words")
            if self.within.shortest <= ZERO:
                raise ValueError("an internal target must be longer than zero")
        return self


class PauseRule(BaseModel):
    """A reason that stops the clock, and why the law allows it (a pause is never assumed)."""

    model_config = ConfigDict(extra="forbid")
    reason: PauseReason
    why: str = Field(min_length=10)


class Extension(BaseModel):
    """More time we may take, if we tell ``notify`` within ``notice_within`` of the start."""

    model_config = ConfigDict(extra="forbid")
    by: PositiveSpan
    notice_within: SpanField | None = Field(default=None, validate_default=True)
    notify: list[Audience] = Field(min_length=1)
    reasons_required: bool = True

    @field_validator("notice_within")
    @classmethod
    def _notice(cls, value: Span | None) -> Span | None:
        if value is None:
            raise ValueError(
                "an extension needs `notice_within`: how long after the start the notice of it "
                "must be sent (GDPR: 1 month)"
            )
        return _positive(value)


class Renewal(BaseModel):
    """More time the requester may ask for, ``times`` times, each before the current expiry."""

    model_config = ConfigDict(extra="forbid")
    by: PositiveSpan
    times: int = Field(default=1, ge=1)
    asked_by: Audience = "authority"


class FollowUp(BaseModel):
    """What else the obligation sets off, when its clock starts or when it is met."""

    model_config = ConfigDict(extra="forbid")
    action: FollowUpAction
    when: Literal["started", "met"] = "started"
    obligation: str | None = None
    severity: Severity | None = None

    @model_validator(mode="after")
    def _arguments(self) -> FollowUp:
        if (self.action == "start_obligation") != (self.obligation is not None):
            raise ValueError("`obligation` goes with action start_obligation, and only with it")
        if (self.action == "open_incident") != (self.severity is not None):
            raise ValueError("`severity` goes with action open_incident, and only with it")
        return self


def _known(what: str, key: str) -> AfterValidator:
    def check(values: list[str], info: ValidationInfo) -> list[str]:
        known: set[str] | None = (info.context or {}).get(key)
        for value in values:
            if known is not None and value not in known:
                raise ValueError(
                    f"unknown {what} {value!r}; taxonomy.yaml defines: {', '.join(sorted(known))}"
                )
        return values

    return AfterValidator(check)


class Match(BaseModel):
    """Cases that attract an obligation: each dimension given must match (any value in its list)."""

    model_config = ConfigDict(extra="forbid")
    harm_areas: Annotated[list[str], _known("harm area", "harm_areas")] = Field(
        default_factory=list
    )
    policies: Annotated[list[str], _known("policy", "policies")] = Field(default_factory=list)
    reporters: list[Reporter] = Field(default_factory=list)
    request_types: list[RequestType] = Field(default_factory=list)
    any_case: bool = False

    @model_validator(mode="after")
    def _something(self) -> Match:
        given = self.harm_areas or self.policies or self.reporters or self.request_types
        if not given and not self.any_case:
            raise ValueError(
                "name harm_areas, policies, reporters or request_types, or say any_case: true"
            )
        if given and self.any_case:
            raise ValueError("any_case: true matches every case; drop the other lists or it")
        return self

    def matches(self, case: CaseFacts) -> bool:
        if self.any_case:
            return True
        return all(
            not wanted or have in wanted
            for wanted, have in (
                (self.harm_areas, case.harm_area),
                (self.policies, case.policy),
                (self.reporters, case.reporter),
                (self.request_types, case.request_type),
            )
        )


@dataclass(frozen=True)
class CaseFacts:
    """What decides which obligations a case attracts (None: not known)."""

    harm_area: str | None = None
    policy: str | None = None
    reporter: str | None = None
    request_type: str | None = None


class Obligation(BaseModel):
    """One legal duty with its clock. ``kind``: a deadline to meet, a hold to keep until it
    expires (preservation), or a window during which others may act (appeals)."""

    model_config = ConfigDict(extra="forbid")
    id: Slug
    title: str = Field(min_length=3)
    kind: Kind = "deadline"
    jurisdiction: Jurisdiction
    law: Law
    in_force_from: date | None = None
    starts_on: StartEvent
    due: Due
    warn_before: Delay = ZERO
    priority: Priority | None = None
    pauses: list[PauseRule] = Field(default_factory=list)
    extension: Extension | None = None
    renewal: Renewal | None = None
    open_ended_on: Literal["production_request_confirmed"] | None = None
    notify: list[Audience] = Field(default_factory=list)
    records: list[str] = Field(default_factory=list)
    decided_by_human: bool = False
    outcomes: list[str] = Field(default_factory=list)
    if_late: str | None = None
    follow_ups: list[FollowUp] = Field(default_factory=list)
    replaces: list[str] = Field(default_factory=list)
    applies_to: list[Match] = Field(min_length=1)

    @field_validator("priority", mode="before")
    @classmethod
    def _label(cls, value: object) -> object:
        return Priority.parse(value) if isinstance(value, str) else value

    @field_validator("warn_before")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < ZERO:
            raise ValueError("warn_before cannot be negative")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Obligation:
        within = self.due.within
        if within is not None and self.warn_before and self.warn_before >= within.shortest:
            raise ValueError(
                f"warn_before {Span(delta=self.warn_before)} is not shorter than the {within} clock"
            )
        if self.extension and self.kind != "deadline":
            raise ValueError("only a deadline takes an extension; a hold is renewed (`renewal`)")
        if (self.renewal or self.open_ended_on) and self.kind != "hold":
            raise ValueError("`renewal` and `open_ended_on` are for holds (kind: hold)")
        if self.kind != "deadline" and self.due.set_by == "request":
            raise ValueError(f"a {self.kind} runs for a set time; set_by: request is for deadlines")
        return self

    def in_force(self, at: datetime) -> bool:
        """Whether the duty exists for an event at ``at`` (some laws apply from a later date)."""
        return self.in_force_from is None or at.astimezone(UTC).date() >= self.in_force_from

    def attracts(self, case: CaseFacts) -> bool:
        return any(m.matches(case) for m in self.applies_to)


class ObligationsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    obligations: list[Obligation] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> ObligationsConfig:
        ids = [o.id for o in self.obligations]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"obligation(s) defined twice: {', '.join(twice)}")
        for o in self.obligations:
            named = [*o.replaces, *(f.obligation for f in o.follow_ups if f.obligation)]
            unknown = sorted(set(named) - set(ids))
            if unknown:
                raise ValueError(
                    f"obligation {o.id!r} names unknown obligation(s) {', '.join(unknown)}"
                )
        return self

    def get(self, obligation_id: str) -> Obligation:
        """The obligation of this id; KeyError names the known ones."""
        for o in self.obligations:
            if o.id == obligation_id:
                return o
        raise KeyError(
            f"unknown obligation {obligation_id!r}; known: {', '.join(o.id for o in self.obligations)}"
        )

    def attracted(self, event: str, at: datetime, case: CaseFacts) -> list[Obligation]:
        """The obligations an event at ``at`` starts for a case: those in force that match it,
        less any that another of them replaces (a trusted flagger's notice replaces the ordinary
        decision target with its own)."""
        if event not in START_EVENTS:
            raise ValueError(f"unknown starting event {event!r}; known: {', '.join(START_EVENTS)}")
        found = [
            o
            for o in self.obligations
            if o.starts_on == event and o.in_force(at) and o.attracts(case)
        ]
        replaced = {r for o in found for r in o.replaces}
        return [o for o in found if o.id not in replaced]


def load_obligations(config_dir: Path, taxonomy: Taxonomy | None = None) -> ObligationsConfig:
    """config/obligations.yaml, validated; with ``taxonomy``, harm areas and policies named in
    ``applies_to`` must exist in it."""
    context: dict[str, Any] = {}
    if taxonomy is not None:
        context["harm_areas"] = set(taxonomy.area_ids)
        context["policies"] = {p.id for a in taxonomy.harm_areas for p in a.policies}
    return load_yaml_model(config_dir / "obligations.yaml", ObligationsConfig, context=context)
