"""Declarative triage rules (config/triage_rules.yaml): what matched, and why (pure).

A rule fires when its conditions hold (reporter kind, category, region, language, source, the
subject's prior violations) and, if it lists any, one of its phrases or patterns is in the text.
- A *placing* rule names a harm area (and optionally a policy) and a priority.
- A *raising* rule names no harm area: it raises whatever priority the report got by some levels
  (never to P0: only a placing rule, a hash match or the policy itself can say "life at risk now").
- A *context* rule names harm areas it ``clears``: where it matches ("beat my wife at chess",
  "What is child abuse?") the text is not about that harm, so the classifier and P1-P3 rules do
  not place the report there. P0 rules and hash matches are never cleared: for "life at risk
  now" a second look costs less than a miss.

Phrases match whole words whatever the case, spacing or punctuation ("Self-harm" matches "self
harm"); patterns are regular expressions matched case-insensitively between word boundaries.
A match right after a negation ("I would never kill myself") is *negated*: it places the report
one level lower instead of being dropped, because for life-safety phrases a missed case costs
more than a second look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from watchfloor.configfile import load_yaml_model
from watchfloor.triage.patterns import WORD, TextPattern
from watchfloor.triage.taxonomy import Priority, PriorityLabel, Taxonomy

NEGATIONS = frozenset(
    [
        "not",
        "never",
        "no",
        "dont",
        "don't",
        "didnt",
        "didn't",
        "wont",
        "won't",
        "wouldnt",
        "wouldn't",
        "isnt",
        "isn't",
        "arent",
        "aren't",
        "cannot",
        "cant",
        "can't",
        "nobody",
        "nothing",
        "nor",
        "without",
        "stop",
        "stopped",
    ]
)
NEGATION_WINDOW = 3  # words before a match that can negate it


class Conditions(BaseModel):
    """Every condition given must hold; a list means any of its values."""

    model_config = ConfigDict(extra="forbid")
    reporter_kinds: list[str] | None = None
    categories: list[str] | None = None
    regions: list[str] | None = None
    languages: list[str] | None = None
    sources: list[str] | None = None
    min_prior_violations: int | None = Field(default=None, ge=1)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    label: str
    harm_area: str | None = None
    policy: str | None = None
    priority: PriorityLabel | None = None
    raise_priority: int = Field(default=0, ge=0, le=2)
    clears: list[str] = Field(default_factory=list)
    phrases: list[Annotated[str, StringConstraints(min_length=2)]] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    negatable: bool = True
    when: Conditions | None = None

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
        if not (self.phrases or self.patterns or self.when):
            raise ValueError("a rule needs phrases, patterns or conditions (when)")
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


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    rules: list[Rule]


@dataclass(frozen=True)
class TriageInput:
    """What triage looks at in a report."""

    text: str
    reporter_kind: str = "user"
    category_hint: str | None = None
    region: str | None = None
    language: str | None = None
    source: str | None = None
    prior_violations: int = 0
    hash_matches: tuple[HashHit, ...] = ()


@dataclass(frozen=True)
class HashHit:
    """Evidence that matched a hash list (see triage/hash_lists.py)."""

    list_name: str
    harm_area: str
    child_safety: bool
    reason: str


@dataclass(frozen=True)
class RuleHit:
    rule: Rule
    priority: Priority | None  # None for a raising or a context rule
    quote: str | None  # the phrase or text that matched; None for a rule of conditions only
    negated_by: str | None = None

    @property
    def reason(self) -> str:
        what = f"{self.rule.label} '{self.quote}'" if self.quote else self.rule.label
        if self.rule.clears:
            return f"{what}: not {' or '.join(self.rule.clears)}"
        if self.priority is None:
            return f"{what} → raised {self.rule.raise_priority} level(s)"
        if self.negated_by:
            return f"matched {what} after '{self.negated_by}' (negated) → {self.priority.label}"
        return f"matched {what} → {self.priority.label}"


class Rules:
    """Compiled rules; ``hits`` is pure and safe to share between threads.

    A report is read once, whatever the number of phrases: each word looks up the phrases that
    start with it.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.rules = ruleset.rules
        self._starts: dict[str, list[tuple[tuple[str, ...], str, list[Rule]]]] = {}
        by_words: dict[tuple[str, ...], list[Rule]] = {}
        for rule in self.rules:
            for phrase in rule.phrases:
                words = tuple(_words(phrase))
                if words:
                    by_words.setdefault(words, []).append(rule)
        for words, rules in by_words.items():
            self._starts.setdefault(words[0], []).append((words, " ".join(words), rules))
        self._patterns = [(rule, TextPattern(p)) for rule in self.rules for p in rule.patterns]
        # Patterns that can only start with certain words are searched only in texts that have
        # one: the scan that finds phrases notes them on the way.
        self._pattern_starts: dict[str, list[int]] = {}
        for n, (_, pattern) in enumerate(self._patterns):
            for word in pattern.first_words:
                self._pattern_starts.setdefault(word, []).append(n)
        self._always = [n for n, (_, p) in enumerate(self._patterns) if not p.first_words]
        self._conditions_only = [r for r in self.rules if not (r.phrases or r.patterns)]
        self._order = {rule.id: n for n, rule in enumerate(self.rules)}
        self._first_words = frozenset(self._starts) | frozenset(self._pattern_starts)

    def hits(self, item: TriageInput) -> list[RuleHit]:
        """Every rule that fires, once each (its first match), most urgent first."""
        lowered = item.text.lower()
        words = _split(lowered)
        found: dict[str, RuleHit] = {}
        starts, first_words, pattern_starts = self._starts, self._first_words, self._pattern_starts
        candidates = set(self._always)
        for i, word in enumerate(words):
            if word not in first_words:  # most words start nothing; a set says so fastest
                continue
            candidates.update(pattern_starts.get(word, ()))
            for phrase, quoted, rules in starts.get(word, ()):
                if tuple(words[i : i + len(phrase)]) != phrase:
                    continue
                for rule in rules:
                    if rule.id not in found and _holds(rule.when, item):
                        negation = _negation(words[max(0, i - NEGATION_WINDOW) : i])
                        found[rule.id] = _hit(rule, quoted, negation)
        if "'" in lowered:  # "o'kill" is one word here, but a pattern may match from "kill"
            for word in words:
                if "'" in word:
                    for part in word.split("'"):
                        candidates.update(pattern_starts.get(part, ()))
        for n in sorted(candidates):
            rule, pattern = self._patterns[n]
            if rule.id in found or not _holds(rule.when, item):
                continue
            match = pattern.find(item.text, lowered)
            if match:
                quote, before = match
                found[rule.id] = _hit(rule, quote, _negation(_words(before)[-NEGATION_WINDOW:]))
        for rule in self._conditions_only:
            if _holds(rule.when, item):
                found[rule.id] = _hit(rule, None, None)
        order = self._order
        return sorted(
            found.values(),
            key=lambda h: (h.priority if h.priority is not None else 9, order[h.rule.id]),
        )


def _hit(rule: Rule, quote: str | None, negation: str | None) -> RuleHit:
    if rule.priority is None:
        return RuleHit(rule, None, quote)
    priority = Priority.parse(rule.priority)
    if negation and rule.negatable:
        return RuleHit(rule, Priority(min(priority + 1, Priority.P3)), quote, negation)
    return RuleHit(rule, priority, quote)


def _negation(words: list[str]) -> str | None:
    return next((w for w in reversed(words) if w in NEGATIONS), None)


def _holds(when: Conditions | None, item: TriageInput) -> bool:
    if when is None:
        return True
    checks = (
        (when.reporter_kinds, item.reporter_kind),
        (when.categories, item.category_hint),
        (when.regions, item.region),
        (when.languages, item.language),
        (when.sources, item.source),
    )
    if any(allowed is not None and value not in allowed for allowed, value in checks):
        return False
    return when.min_prior_violations is None or item.prior_violations >= when.min_prior_violations


_ASCII_WORD = re.compile(WORD.pattern, re.ASCII)  # the same words in ASCII text, a quarter faster


def _words(text: str) -> list[str]:
    return _split(text.lower())


def _split(lowered: str) -> list[str]:
    """The words of a text already lower-cased."""
    return (_ASCII_WORD if lowered.isascii() else WORD).findall(lowered)


def load_rules(config_dir: Path, taxonomy: Taxonomy) -> Rules:
    ruleset = load_yaml_model(
        config_dir / "triage_rules.yaml", RuleSet, context={"taxonomy": taxonomy}
    )
    return Rules(ruleset)
