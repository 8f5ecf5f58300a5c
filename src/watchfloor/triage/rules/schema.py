"""The rules file (config/triage_rules.yaml) as data, validated on load: what each rule says,
and the errors a policy writer gets for one that cannot work (file, line, field and why). What
the fields mean is documented in engine.py and at the top of the YAML file."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.triage.rules.patterns import phrase_variants
from watchfloor.triage.taxonomy import PriorityLabel, Taxonomy


class Conditions(BaseModel):
    """Every condition given must hold; a list means any of its values."""

    model_config = ConfigDict(extra="forbid")
    reporter_kinds: list[str] | None = None
    categories: list[str] | None = None
    regions: list[str] | None = None
    languages: list[str] | None = None
    sources: list[str] | None = None
    min_prior_violations: int | None = Field(default=None, ge=1)


Phrase = Annotated[str, StringConstraints(min_length=2)]
# "i" is a term of its own in a list; a bare number in YAML ("20") is a word too.
Term = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(min_length=1),
]
# A list of terms: written inline, or the name of one of the file's named lists (``terms``).
TermList = str | list[Term]


def _check_phrases(phrases: list[str]) -> list[str]:
    for phrase in phrases:
        if not phrase_variants(phrase):  # raises ValueError for a bad marker
            raise ValueError(f"phrase {phrase!r} has no words")
    return phrases


class Near(BaseModel):
    """A term of every list, the first words of all of them at most ``within`` words apart."""

    model_config = ConfigDict(extra="forbid")
    lists: list[TermList] = Field(min_length=2, max_length=4)
    within: int = Field(ge=1, le=30)
    ordered: bool = False
    unless: TermList | None = None

    @field_validator("lists")
    @classmethod
    def _phrases(cls, value: list[TermList]) -> list[TermList]:
        for terms in value:
            if isinstance(terms, list):
                _check_phrases(terms)
        return value


class DefinitionQuestion(BaseModel):
    """The whole report asks what a term of at most ``max_words`` words means."""

    model_config = ConfigDict(extra="forbid")
    max_words: int = Field(default=3, ge=1, le=6)
    unless: TermList | None = None


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    label: str
    harm_area: str | None = None
    policy: str | None = None
    priority: PriorityLabel | None = None
    raise_priority: int = Field(default=0, ge=0, le=2)
    clears: list[str] = Field(default_factory=list)
    phrases: list[Phrase] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    near: Near | None = None
    definition_question: DefinitionQuestion | None = None
    negatable: bool = True
    when: Conditions | None = None

    @field_validator("phrases")
    @classmethod
    def _phrase_forms(cls, value: list[str]) -> list[str]:
        return _check_phrases(value)

    @field_validator("harm_area")
    @classmethod
    def _known_area(cls, value: str | None, info: ValidationInfo) -> str | None:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if value is not None and taxonomy is not None and value not in taxonomy.area_ids:
            raise ValueError(f"unknown harm area {value!r}; known: {', '.join(taxonomy.area_ids)}")
        return value

    @field_validator("clears")
    @classmethod
    def _known_areas(cls, value: list[str], info: ValidationInfo) -> list[str]:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        unknown = [a for a in value if taxonomy is not None and a not in taxonomy.area_ids]
        if unknown:
            raise ValueError(
                f"unknown harm area(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(taxonomy.area_ids if taxonomy else [])}"
            )
        return value

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression: {exc}"
                ) from None
        return value

    @model_validator(mode="after")
    def _shape(self, info: ValidationInfo) -> Rule:
        if self.harm_area is not None and self.priority is None:
            raise ValueError("a rule with a harm_area needs a priority")
        if self.harm_area is None and (self.priority is not None or self.policy is not None):
            raise ValueError("priority and policy need a harm_area")
        if self.clears and (self.harm_area is not None or self.raise_priority):
            raise ValueError("a context rule (clears) neither places nor raises")
        if self.harm_area is None and not self.raise_priority and not self.clears:
            raise ValueError("a rule needs a harm_area and priority, raise_priority, or clears")
        if not (
            self.phrases or self.patterns or self.near or self.definition_question or self.when
        ):
            raise ValueError(
                "a rule needs phrases, patterns, near, definition_question or conditions (when)"
            )
        named: dict[str, list[str]] | None = (info.context or {}).get("terms")
        if named is not None:
            for where, terms in self.term_lists():
                if isinstance(terms, str) and terms not in named:
                    raise ValueError(
                        f"{where}: unknown term list {terms!r}; "
                        f"named lists: {', '.join(sorted(named)) or 'none'}"
                    )
            if self.near is not None:
                _no_shared_terms(self.near, named)
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if self.policy is not None and taxonomy is not None:
            found = taxonomy.policy(self.policy)
            if found is None:
                raise ValueError(f"unknown policy {self.policy!r}")
            if found[0].id != self.harm_area:
                raise ValueError(
                    f"policy {self.policy} belongs to {found[0].id}, not {self.harm_area}"
                )
        return self

    def term_lists(self) -> list[tuple[str, TermList]]:
        """Every term list the rule uses, with where it stands (for errors)."""
        found: list[tuple[str, TermList]] = []
        if self.near is not None:
            found += [(f"near.lists.{n}", terms) for n, terms in enumerate(self.near.lists)]
            if self.near.unless is not None:
                found.append(("near.unless", self.near.unless))
        if self.definition_question is not None and self.definition_question.unless is not None:
            found.append(("definition_question.unless", self.definition_question.unless))
        return found


def _no_shared_terms(near: Near, named: dict[str, list[str]]) -> None:
    """A word sequence in two lists of one rule would match both lists on its own."""
    seen: dict[tuple[str, ...], int] = {}
    for n, terms in enumerate(near.lists):
        for phrase in named.get(terms, []) if isinstance(terms, str) else terms:
            for words in phrase_variants(phrase):
                if seen.setdefault(words, n) != n:
                    raise ValueError(
                        f"near.lists.{seen[words]} and near.lists.{n} both match "
                        f"{' '.join(words)!r}: a term belongs to one list"
                    )


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    terms: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")],
        Annotated[list[Term], Field(min_length=1)],
    ] = Field(default_factory=dict)
    rules: list[Rule]

    @model_validator(mode="before")
    @classmethod
    def _share_term_names(cls, data: Any, info: ValidationInfo) -> Any:
        # Rules check the names they use while they are validated, so an error names the rule's
        # own line: they read the named lists from the validation context.
        if isinstance(info.context, dict) and isinstance(data, dict):
            terms = data.get("terms") or {}
            if isinstance(terms, dict):
                info.context["terms"] = {
                    str(k): [str(p) for p in v] if isinstance(v, list) else []
                    for k, v in terms.items()
                }
        return data

    @field_validator("terms")
    @classmethod
    def _term_phrases(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, phrases in value.items():
            try:
                _check_phrases(phrases)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _names_used(self) -> RuleSet:
        used = {t for r in self.rules for _, t in r.term_lists() if isinstance(t, str)}
        unknown = sorted(used - set(self.terms))
        if unknown:
            raise ValueError(f"unknown term list(s): {', '.join(unknown)}")
        unused = sorted(set(self.terms) - used)
        if unused:
            raise ValueError(f"term list(s) no rule uses: {', '.join(unused)}")
        return self
