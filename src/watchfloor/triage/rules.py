"""Declarative triage rules (config/triage_rules.yaml): what matched, and why (pure).

A rule fires when its conditions hold (reporter kind, category, region, language, source, the
subject's prior violations) and, if it lists any, one of its phrases, patterns, proximity matches
(``near``) or definition questions (``definition_question``) is in the text.
- A *placing* rule names a harm area (and optionally a policy) and a priority.
- A *raising* rule names no harm area: it raises whatever priority the report got by some levels
  (never to P0: only a placing rule, a hash match or the policy itself can say "life at risk now").
- A *context* rule names harm areas it ``clears``: where it matches ("beat my wife at chess",
  "What is child abuse?") the text is not about that harm, so the classifier and P1-P3 rules do
  not place the report there. P0 rules and hash matches are never cleared: for "life at risk
  now" a second look costs less than a miss.

Phrases match whole words whatever the case, spacing or punctuation ("Self-harm" matches "self
harm"); a word marked ``+s``, ``+ing`` or ``+ed`` also matches its inflections ("self-harm+ed"
matches "self harming", "selfharmed"; see patterns.py for the forms and why past forms are a
separate marker). Patterns are regular expressions matched case-insensitively between word
boundaries.

A *proximity* rule (``near``) fires when a term of each of its ``lists`` (two to four) occurs
with the first words of all of them at most ``within`` words apart ("a term for a minor within
six words of a sexual term"), in the lists' order when ``ordered``, and no term of ``unless``
lies within ``within`` words of the match ("kill him in Fortnite"). A list is a named list from
the file's ``terms`` or written inline; its terms are phrases, with word-form markers. The lists
of one rule must not share a term, and every named list must exist and be used.

A *definition question* (``definition_question``) fires when the whole report is a question
asking what a term means ("What is grooming?", "define doxxing", "what does pro-ana mean"): an
opener (what is/are/was/were, what's, define, definition of, meaning of, what does/do … mean,
what is meant by), an optional article, and a term of at most ``max_words`` words, none of them
a term of its ``unless`` list. That list holds what points at a real thing ("this", "these",
"my", "his") and what names evidence ("pics", "video", "message", "link"): "what are these
underage pics?" is a report about real pictures, not a question about a word.

A match right after a negation ("I would never kill myself") is *negated*: it places the report
one level lower instead of being dropped, because for life-safety phrases a missed case costs
more than a second look. For a proximity match the negation must come just before its first
term.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
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

from watchfloor.configfile import load_yaml_model
from watchfloor.triage.patterns import WORD, TextPattern, phrase_variants
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


_Entry = tuple[tuple[str, ...], str, list[Rule], list[int]]


@dataclass(frozen=True)
class _NearRule:
    rule: Rule
    lists: tuple[int, ...]  # term ids, in the rule's order
    within: int
    ordered: bool
    unless: int | None


@dataclass(frozen=True)
class _Question:
    rule: Rule
    max_words: int
    unless: frozenset[tuple[str, ...]]


# What opens a definition question, as words; "what does X mean" also needs its closing word.
_OPENERS: tuple[tuple[str, ...], ...] = (
    ("what", "is", "meant", "by"),
    ("what", "is"),
    ("what", "are"),
    ("what", "was"),
    ("what", "were"),
    ("what's",),
    ("whats",),
    ("define",),
    ("definition", "of"),
    ("meaning", "of"),
)
_MEAN_OPENERS: tuple[tuple[str, ...], ...] = (("what", "does"), ("what", "do"))
_ARTICLES = frozenset(["a", "an", "the"])
_QUESTION_WORDS = 12  # a longer report is never only a question about a term


class Rules:
    """Compiled rules; ``hits`` is pure and safe to share between threads.

    A report is read once, whatever the number of phrases and terms: each word looks up the
    phrases and proximity terms that start with it (every word form of them, made at load).
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.rules = ruleset.rules
        # A phrase or term of one word by its word, a longer one by its first two words; each
        # with (words, quoted, rules whose phrase it is, proximity term lists holding it).
        self._single: dict[str, _Entry] = {}
        self._pairs: dict[tuple[str, str], list[_Entry]] = {}
        phrase_rules: dict[tuple[str, ...], list[Rule]] = {}
        term_lists: dict[tuple[str, ...], list[int]] = {}
        for rule in self.rules:
            for phrase in rule.phrases:
                for words in phrase_variants(phrase):
                    bucket = phrase_rules.setdefault(words, [])
                    if rule not in bucket:
                        bucket.append(rule)
        term_ids: dict[str, int] = {}  # a list's key (its name, or where it is written) → id

        def term_id(key: str, phrases: list[str]) -> int:
            if key not in term_ids:
                term_ids[key] = len(term_ids)
                for phrase in phrases:
                    for words in phrase_variants(phrase):
                        ids = term_lists.setdefault(words, [])
                        if term_ids[key] not in ids:
                            ids.append(term_ids[key])
            return term_ids[key]

        def resolve(rule: Rule, where: str, terms: TermList) -> int:
            if isinstance(terms, str):
                return term_id(f"terms.{terms}", ruleset.terms[terms])
            return term_id(f"{rule.id}.{where}", terms)

        self._near: list[_NearRule] = []
        self._questions: list[_Question] = []
        for rule in self.rules:
            if rule.near is not None:
                near = rule.near
                lists = tuple(resolve(rule, f"near.lists.{n}", t) for n, t in enumerate(near.lists))
                unless = None if near.unless is None else resolve(rule, "near.unless", near.unless)
                self._near.append(_NearRule(rule, lists, near.within, near.ordered, unless))
            if rule.definition_question is not None:
                question = rule.definition_question
                unless_terms = question.unless
                if isinstance(unless_terms, str):
                    unless_terms = ruleset.terms[unless_terms]
                variants = frozenset(w for p in unless_terms or [] for w in phrase_variants(p))
                self._questions.append(_Question(rule, question.max_words, variants))
        for words in phrase_rules.keys() | term_lists.keys():
            entry = (words, " ".join(words), phrase_rules.get(words, []), term_lists.get(words, []))
            if len(words) == 1:
                self._single[words[0]] = entry
            else:
                self._pairs.setdefault((words[0], words[1]), []).append(entry)
        # Which proximity rules a term list can start: only those are checked after the scan.
        self._near_by_list: dict[int, list[int]] = {}
        for k, near_rule in enumerate(self._near):
            for n in set(near_rule.lists):
                self._near_by_list.setdefault(n, []).append(k)
        self._patterns = [(rule, TextPattern(p)) for rule in self.rules for p in rule.patterns]
        # Patterns that can only start with certain words are searched only in texts that have
        # one: the scan that finds phrases notes them on the way.
        self._pattern_starts: dict[str, list[int]] = {}
        for n, (_, pattern) in enumerate(self._patterns):
            for word in pattern.first_words:
                self._pattern_starts.setdefault(word, []).append(n)
        self._always = [n for n, (_, p) in enumerate(self._patterns) if not p.first_words]
        self._conditions_only = [
            r
            for r in self.rules
            if not (r.phrases or r.patterns or r.near or r.definition_question)
        ]
        self._order = {rule.id: n for n, rule in enumerate(self.rules)}
        # Every word something can start with → (its one-word entry, whether longer entries
        # start with it, the patterns it starts): one look-up a word of the report.
        pair_words = {w for w, _ in self._pairs}
        self._first_words: dict[str, tuple[_Entry | None, bool, list[int]]] = {
            word: (self._single.get(word), word in pair_words, self._pattern_starts.get(word, []))
            for word in self._single.keys() | pair_words | self._pattern_starts.keys()
        }

    def hits(self, item: TriageInput) -> list[RuleHit]:
        """Every rule that fires, once each (its first match), most urgent first."""
        lowered = item.text.lower()
        words = _split(lowered)
        found: dict[str, RuleHit] = {}
        first_words, pattern_starts, pairs = self._first_words, self._pattern_starts, self._pairs
        candidates = set(self._always)
        # Proximity term list → (start, end) of each occurrence, in text order
        seen: dict[int, list[tuple[int, int]]] = {}
        last = len(words) - 1
        matched: list[tuple[int, _Entry]] = []
        for i, word in enumerate(words):
            starts = first_words.get(word)
            if starts is None:  # most words start nothing
                continue
            entry, starts_longer, patterns = starts
            if patterns:
                candidates.update(patterns)
            if entry is not None:
                matched.append((i, entry))
            if starts_longer and i < last:
                longer = pairs.get((word, words[i + 1]))
                if longer is not None:
                    for entry in longer:
                        size = len(entry[0])
                        if size == 2 or tuple(words[i : i + size]) == entry[0]:
                            matched.append((i, entry))
        for i, (phrase, quoted, rules, lists) in matched:
            for n in lists:
                seen.setdefault(n, []).append((i, i + len(phrase)))
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
        if seen:
            near_rules = self._near
            for k in sorted({k for n in seen for k in self._near_by_list.get(n, ())}):
                near = near_rules[k]
                rule = near.rule
                if rule.id in found or not all(n in seen for n in near.lists):
                    continue
                span = _near_match(near, seen)
                if span is not None and _holds(rule.when, item):
                    start, end = span
                    negation = _negation(words[max(0, start - NEGATION_WINDOW) : start])
                    found[rule.id] = _hit(rule, " ".join(words[start:end]), negation)
        if self._questions and len(words) <= _QUESTION_WORDS:
            for question in self._questions:
                rule = question.rule
                if (
                    rule.id not in found
                    and _holds(rule.when, item)
                    and _asks_definition(words, question)
                ):
                    found[rule.id] = _hit(rule, item.text.strip(), None)
        for rule in self._conditions_only:
            if _holds(rule.when, item):
                found[rule.id] = _hit(rule, None, None)
        order = self._order
        return sorted(
            found.values(),
            key=lambda h: (h.priority if h.priority is not None else 9, order[h.rule.id]),
        )


def _near_match(near: _NearRule, seen: dict[int, list[tuple[int, int]]]) -> tuple[int, int] | None:
    """The first (start, end) word span holding a term of every list within ``near.within``
    words and no ``unless`` term near it; None if there is none."""
    lists = [seen[n] for n in near.lists]
    starts = [[s for s, _ in occurrences] for occurrences in lists]
    # Each occurrence that could be a match's first term, leftmost first.
    anchors = (
        [(0, o) for o in lists[0]]
        if near.ordered
        else sorted(
            ((k, o) for k, occurrences in enumerate(lists) for o in occurrences),
            key=lambda a: a[1],
        )
    )
    for k0, (first, end) in anchors:
        last, stop, at = first, end, end if near.ordered else first
        for k, occurrences in enumerate(lists):
            if k == k0:
                continue
            j = bisect_left(starts[k], at)
            if j == len(occurrences):
                break
            s, e = occurrences[j]
            last, stop = max(last, s), max(stop, e)
            if near.ordered:
                at = e
        else:
            if last - first <= near.within and not _excluded(near, seen, first, stop):
                return first, stop
    return None


def _excluded(
    near: _NearRule, seen: dict[int, list[tuple[int, int]]], start: int, end: int
) -> bool:
    if near.unless is None:
        return False
    return any(
        start - near.within <= e and s <= end + near.within for s, e in seen.get(near.unless, ())
    )


def _asks_definition(words: list[str], question: _Question) -> bool:
    """The words are a whole question asking what a term means (see the module's docstring)."""
    rest: list[str] | None = None
    for opener in _MEAN_OPENERS:
        if tuple(words[: len(opener)]) == opener and words[-1:] in (["mean"], ["means"]):
            rest = words[len(opener) : -1]
            break
    else:
        for opener in _OPENERS:
            if tuple(words[: len(opener)]) == opener:
                rest = words[len(opener) :]
                break
    if rest is None:
        return False
    if rest[:1] and rest[0] in _ARTICLES:
        rest = rest[1:]
    if tuple(rest[:2]) in {("definition", "of"), ("meaning", "of")}:
        rest = rest[2:]
        if rest[:1] and rest[0] in _ARTICLES:
            rest = rest[1:]
    if not 1 <= len(rest) <= question.max_words:
        return False
    term = tuple(rest)
    return not any(
        term[i : i + len(u)] == u for u in question.unless for i in range(len(term) - len(u) + 1)
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
