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


class PhraseRules:
    """Compiled phrase rules; ``apply`` is pure and safe to share between threads.

    Text and phrases are both cut into lower-case words, so a phrase matches whole words only,
    whatever the case, spacing or punctuation between them ("Self-harm" matches "self harm").
    A report is read once, whatever the number of rules: each word looks up the phrases that
    start with it.
    """

    def __init__(self, rules: RuleSet, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._rules = {rule.id: (rule, Priority.parse(rule.priority)) for rule in rules.rules}
        self._order = {rule.id: i for i, rule in enumerate(rules.rules)}
        # first word → [(the phrase's words, its quoted form, the rules it belongs to)]
        self._starts: dict[str, list[tuple[tuple[str, ...], str, list[str]]]] = {}
        by_words: dict[tuple[str, ...], list[str]] = {}
        for rule in rules.rules:
            for phrase in rule.phrases:
                words = tuple(_words(phrase))
                if words:
                    by_words.setdefault(words, []).append(rule.id)
        for words, rule_ids in by_words.items():
            self._starts.setdefault(words[0], []).append((words, " ".join(words), rule_ids))

    def _matches(self, text: str) -> dict[str, str]:
        """rule id → the first phrase of that rule found in ``text``."""
        words = _words(text)
        found: dict[str, str] = {}
        for i, word in enumerate(words):
            for phrase, quoted, rule_ids in self._starts.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    for rule_id in rule_ids:
                        found.setdefault(rule_id, quoted)
        return found

    def apply(self, item: TriageInput) -> TriageResult:
        first_phrase = self._matches(item.text)
        # Most urgent first; the file order breaks ties.
        matched = sorted(first_phrase, key=lambda r: (self._rules[r][1], self._order[r]))
        reasons = [
            f"matched {self._rules[r][0].label} '{first_phrase[r]}' → {self._rules[r][1].label}"
            for r in matched
        ]
        if matched:
            best, priority = self._rules[matched[0]]
            result = TriageResult(best.harm_area, priority, reasons)
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


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def load_rules(config_dir: Path, taxonomy: Taxonomy) -> PhraseRules:
    ruleset = load_yaml_model(
        config_dir / "triage_rules.yaml", RuleSet, context={"taxonomy": taxonomy}
    )
    return PhraseRules(ruleset, taxonomy)
