"""config/transparency.yaml: how Watchfloor's decisions map onto the DSA Transparency Database.

Every value that reaches the Database is checked here against its value lists, so a wrong key
is an error at start naming the file, the line and the field, not a 422 days later.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.cases.schemas import ActionKind
from watchfloor.compliance.statements import vocabulary
from watchfloor.configfile import load_yaml_model
from watchfloor.triage.taxonomy import Taxonomy


def _one_of(allowed: Collection[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            shown = sorted(allowed)
            hint = ", ".join(shown) if len(shown) <= 8 else f"{', '.join(shown[:3])}, ..."
            raise ValueError(f"unknown {what} {value!r}; the Database accepts {hint}")
        return value

    return AfterValidator(check)


Category = Annotated[str, _one_of(vocabulary.CATEGORIES, "category")]
Keyword = Annotated[str, _one_of(vocabulary.KEYWORDS, "category_specification keyword")]
Visibility = Annotated[str, _one_of(vocabulary.DECISION_VISIBILITIES, "decision_visibility")]
Monetary = Annotated[str, _one_of(vocabulary.DECISION_MONETARIES, "decision_monetary")]
Provision = Annotated[str, _one_of(vocabulary.DECISION_PROVISIONS, "decision_provision")]
Account = Annotated[str, _one_of(vocabulary.DECISION_ACCOUNTS, "decision_account")]
SourceType = Annotated[str, _one_of(vocabulary.SOURCE_TYPES, "source_type")]


def _not_yaml_false(value: object) -> object:
    if value is False:
        raise ValueError('YAML read a bare NO as false: write "NO" in quotes for Norway')
    return value


Country = Annotated[
    str, BeforeValidator(_not_yaml_false), _one_of(vocabulary.EEA_COUNTRIES, "EEA country code")
]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=500)]
Ground = Literal["illegal", "incompatible"]
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Restriction(_Strict):
    """What one Watchfloor action is in the Database's terms (at least one field)."""

    decision_visibility: list[Visibility] = Field(default_factory=list)
    decision_visibility_other: Text500 | None = None
    decision_monetary: Monetary | None = None
    decision_monetary_other: Text500 | None = None
    decision_provision: Provision | None = None
    decision_account: Account | None = None

    @model_validator(mode="after")
    def _complete(self) -> Restriction:
        if not (self.decision_visibility or self.decision_monetary or self.decision_provision
                or self.decision_account):  # fmt: skip
            raise ValueError(
                "a restriction needs at least one of decision_visibility, decision_monetary, "
                "decision_provision or decision_account"
            )
        if "DECISION_VISIBILITY_OTHER" in self.decision_visibility and not (
            self.decision_visibility_other
        ):
            raise ValueError("DECISION_VISIBILITY_OTHER needs decision_visibility_other text")
        if self.decision_monetary == "DECISION_MONETARY_OTHER" and not self.decision_monetary_other:
            raise ValueError("DECISION_MONETARY_OTHER needs decision_monetary_other text")
        return self


class Actions(_Strict):
    no_statement: list[ActionKind] = Field(
        description="Actions that restrict nothing the user provides: no statement is due."
    )
    restrictions: dict[ActionKind, Restriction]

    @model_validator(mode="after")
    def _every_kind_once(self) -> Actions:
        both = set(self.no_statement) & set(self.restrictions)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} cannot be both a restriction and not")
        missing = set(get_args(ActionKind)) - set(self.no_statement) - set(self.restrictions)
        if missing:
            raise ValueError(
                f"action kind(s) {', '.join(sorted(missing))} are not mapped: add each to "
                "no_statement or to restrictions"
            )
        return self


class GroundRule(_Strict):
    """The category and ground of a harm area, or a policy's overrides of them."""

    category: Category | None = None
    category_addition: list[Category] | None = None
    keywords: list[Keyword] | None = None
    keyword_other: Text500 | None = Field(
        default=None, description="category_specification_other, with KEYWORD_OTHER."
    )
    ground: Ground | None = None
    legal_ground: Text500 | None = None
    terms_ground: Text500 | None = None
    explanation: Text2000 | None = None
    also_illegal: Literal["Yes", "No"] | None = None
    reference_url: Url | None = None


class HarmAreaRule(GroundRule):
    category: Category
    ground: Ground
    explanation: Text2000
    policies: dict[str, GroundRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _grounds_complete(self) -> HarmAreaRule:
        checks = [("the harm area", self.for_policy(""))]
        checks += [(f"policy {pid}", self.for_policy(pid)) for pid in self.policies]
        for name, merged in checks:
            if merged.ground == "illegal" and not merged.legal_ground:
                raise ValueError(f"{name}: an illegal-content ground needs legal_ground")
            if merged.ground == "incompatible" and not merged.terms_ground:
                raise ValueError(f"{name}: an incompatible-content ground needs terms_ground")
            if merged.keyword_other and "KEYWORD_OTHER" not in (merged.keywords or []):
                raise ValueError(f"{name}: keyword_other is sent only with KEYWORD_OTHER")
        return self

    def for_policy(self, policy_id: str) -> GroundRule:
        """The harm area's rule with the policy's overrides applied."""
        base = GroundRule.model_validate(self.model_dump(exclude={"policies"}))
        override = self.policies.get(policy_id)
        if override is None:
            return base
        return base.model_copy(update=override.model_dump(exclude_none=True))


class SourceTypes(_Strict):
    """Reporter kind first (a trusted flagger is who, not where), then source, then default."""

    by_reporter: dict[str, SourceType] = Field(default_factory=dict)
    by_source: dict[str, SourceType] = Field(
        default_factory=dict, description="Exact source, or a prefix ending in ':'."
    )
    default: SourceType = "SOURCE_VOLUNTARY"
    send_identity_for: list[SourceType] = Field(default_factory=list)

    def source_type(self, source: str, reporter_kind: str | None) -> str:
        """The Database's source_type for a report from ``source`` by ``reporter_kind``."""
        if reporter_kind is not None and reporter_kind in self.by_reporter:
            return self.by_reporter[reporter_kind]
        if source in self.by_source:
            return self.by_source[source]
        for prefix, kind in self.by_source.items():
            if prefix.endswith(":") and source.startswith(prefix):
                return kind
        return self.default


class Platform(_Strict):
    puid_prefix: str
    default_territorial_scope: list[Country] = Field(min_length=1)

    @field_validator("puid_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError("puid_prefix may hold 1 to 40 of A-Z a-z 0-9 '-' '_' (puid charset)")
        return value


class Database(_Strict):
    base_url: Url
    batch_size: int = Field(ge=1, le=vocabulary.MAX_BATCH)
    max_attempts: int = Field(ge=1, le=20)
    timeout_seconds: float = Field(gt=0, le=300)
    token_env: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]


class Redress(_Strict):
    complaint_url: Url
    complaint_window_months: int = Field(ge=6, description="DSA Art. 20(1): at least six.")
    dispute_settlement_url: Url


class TransparencyConfig(_Strict):
    version: int = Field(ge=1)
    platform: Platform
    database: Database
    redress: Redress
    actions: Actions
    sources: SourceTypes
    harm_areas: dict[str, HarmAreaRule]

    @field_validator("harm_areas")
    @classmethod
    def _match_taxonomy(
        cls, value: dict[str, HarmAreaRule], info: ValidationInfo
    ) -> dict[str, HarmAreaRule]:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if taxonomy is None:
            return value
        problems = [f"harm area {a!r} is not mapped" for a in taxonomy.area_ids if a not in value]
        problems += [f"{a!r} is not a harm area of the taxonomy" for a in value
                     if a not in taxonomy.area_ids]  # fmt: skip
        for area_id, rule in value.items():
            for policy_id in rule.policies:
                found = taxonomy.policy(policy_id)
                if found is None or found[0].id != area_id:
                    problems.append(f"{area_id}.policies: {policy_id!r} is not a policy of it")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    def ground_for(self, harm_area: str, policy_id: str) -> GroundRule:
        """The category and ground for a decision citing ``policy_id`` in ``harm_area``."""
        area = self.harm_areas.get(harm_area)
        if area is None:
            raise KeyError(f"harm area {harm_area!r} has no mapping in transparency.yaml")
        return area.for_policy(policy_id)


def load_transparency_config(path: Path, taxonomy: Taxonomy | None = None) -> TransparencyConfig:
    """Read config/transparency.yaml; with ``taxonomy``, every harm area must be mapped."""
    context = {"taxonomy": taxonomy} if taxonomy is not None else None
    return load_yaml_model(path, TransparencyConfig, context=context)
