"""First-version triage: phrase rules that give a harm area and priority with their reasons (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from watchfloor.configfile import load_yaml_model
from watchfloor.triage.taxonomy import Priority, PriorityLabel, Taxonomy

# Reporters whose reports are urgent by who they are: one priority level higher (never to P0).
TRUSTED_REPORTERS = {"law_enforcement": "law-enforcement", "trusted_flagger": "trusted flagger"}


class PhraseRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    harm_area: str
    priority: PriorityLabel
    label: str
    phrases: list[Annotated[str, StringConstraints(min_length=2)]] = Field(min_length=1)

    @field_validator("harm_area")
    @classmethod
    def _known_area(cls, value: str, info: ValidationInfo) -> str:
        taxonomy: Taxonomy | None = (info.context or {}).get("taxonomy")
        if taxonomy is not None and value not in taxonomy.area_ids:
            raise ValueError(f"unknown harm area {value!r}; known: {', '.join(taxonomy.area_ids)}")
        return value


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    rules: list[PhraseRule]


@dataclass(frozen=True)
class TriageInput:
    """What triage looks at in a report."""

    text: str
    reporter_kind: str = "user"
    category_hint: str | None = None


@dataclass
class TriageResult:
    harm_area: str
    priority: Priority
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Compiled:
    rule: PhraseRule
    pattern: re.Pattern[str]
    priority: Priority


class PhraseRules:
    """Compiled phrase rules; ``apply`` is pure and safe to share between threads."""

    def __init__(self, rules: RuleSet, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        compiled = []
        for rule in rules.rules:
            # Longest phrase first so the reason quotes the most specific words that matched.
            alternatives = sorted(rule.phrases, key=len, reverse=True)
            body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in alternatives)
            pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
            compiled.append(_Compiled(rule, pattern, Priority.parse(rule.priority)))
        # Most urgent first; the file order breaks ties.
        self._rules = sorted(compiled, key=lambda c: c.priority)

    def apply(self, item: TriageInput) -> TriageResult:
        reasons: list[str] = []
        best: _Compiled | None = None
        for compiled in self._rules:
            match = compiled.pattern.search(item.text)
            if match is None:
                continue
            phrase = " ".join(match.group(0).lower().split())
            reasons.append(f"matched {compiled.rule.label} '{phrase}' → {compiled.priority.label}")
            if best is None:
                best = compiled
        if best is not None:
            result = TriageResult(best.rule.harm_area, best.priority, reasons)
        elif item.category_hint and item.category_hint in self.taxonomy.area_ids:
            area = self.taxonomy.area(item.category_hint)
            priority = Priority.parse(area.default_priority)
            reasons.append(
                f"no phrase matched; reporter chose '{area.id}', "
                f"its default priority is {priority.label}"
            )
            result = TriageResult(area.id, priority, reasons)
        else:
            reasons.append("no phrase matched and no category given → unclassified, P3")
            result = TriageResult("unclassified", Priority.P3, reasons)
        who = TRUSTED_REPORTERS.get(item.reporter_kind)
        if who and result.priority > Priority.P1:
            raised = Priority(result.priority - 1)
            result.reasons.append(
                f"reported by a {who} → raised {result.priority.label} to {raised.label}"
            )
            result.priority = raised
        return result


def load_rules(config_dir: Path, taxonomy: Taxonomy) -> PhraseRules:
    ruleset = load_yaml_model(
        config_dir / "triage_rules.yaml", RuleSet, context={"taxonomy": taxonomy}
    )
    return PhraseRules(ruleset, taxonomy)
