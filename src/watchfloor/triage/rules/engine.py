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

The file's schema and its validation live in rule_schema.py, proximity and definition-question
matching in proximity.py, word forms and pattern search in patterns.py; this module compiles
the rules and scans a report once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from watchfloor.configfile import load_yaml_model
from watchfloor.triage.rules.patterns import WORD, TextPattern, phrase_variants
from watchfloor.triage.rules.proximity import (
    QUESTION_WORDS,
    NearRule,
    Question,
    asks_definition,
    near_match,
)
from watchfloor.triage.rules.schema import Conditions, Rule, RuleSet, TermList
from watchfloor.triage.taxonomy import Priority, Taxonomy

__all__ = [
    "Conditions",
    "HashHit",
    "Rule",
    "RuleHit",
    "RuleSet",
    "Rules",
    "TriageInput",
    "load_rules",
]

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
    """Evidence that matched a hash list (see triage/hashes/service.py)."""

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

        self._near: list[NearRule] = []
        self._questions: list[Question] = []
        for rule in self.rules:
            if rule.near is not None:
                near = rule.near
                lists = tuple(resolve(rule, f"near.lists.{n}", t) for n, t in enumerate(near.lists))
                unless = None if near.unless is None else resolve(rule, "near.unless", near.unless)
                self._near.append(NearRule(rule, lists, near.within, near.ordered, unless))
            if rule.definition_question is not None:
                question = rule.definition_question
                unless_terms = question.unless
                if isinstance(unless_terms, str):
                    unless_terms = ruleset.terms[unless_terms]
                variants = frozenset(w for p in unless_terms or [] for w in phrase_variants(p))
                self._questions.append(Question(rule, question.max_words, variants))
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
        # Every word something can start with → (its one-word entry, the longer entries it
        # starts by their second word, the patterns it starts): one look-up a word of the report.
        seconds: dict[str, dict[str, list[_Entry]]] = {}
        for (first, second), entries in self._pairs.items():
            seconds.setdefault(first, {})[second] = entries
        self._first_words: dict[
            str, tuple[_Entry | None, dict[str, list[_Entry]] | None, list[int]]
        ] = {
            word: (self._single.get(word), seconds.get(word), self._pattern_starts.get(word, []))
            for word in self._single.keys() | seconds.keys() | self._pattern_starts.keys()
        }

    def hits(self, item: TriageInput) -> list[RuleHit]:
        """Every rule that fires, once each (its first match), most urgent first."""
        lowered = item.text.lower()
        words = _split(lowered)
        found: dict[str, RuleHit] = {}
        first_words, pattern_starts = self._first_words, self._pattern_starts
        candidates = set(self._always)
        # Proximity term list → (start, end) of each occurrence, in text order
        seen: dict[int, list[tuple[int, int]]] = {}
        last = len(words) - 1
        matched: list[tuple[int, _Entry]] = []
        for i, word in enumerate(words):
            starts = first_words.get(word)
            if starts is None:  # most words start nothing
                continue
            entry, by_second, patterns = starts
            if patterns:
                candidates.update(patterns)
            if entry is not None:
                matched.append((i, entry))
            if by_second is not None and i < last:
                longer = by_second.get(words[i + 1])
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
                span = near_match(near, seen)
                if span is not None and _holds(rule.when, item):
                    start, end = span
                    negation = _negation(words[max(0, start - NEGATION_WINDOW) : start])
                    found[rule.id] = _hit(rule, " ".join(words[start:end]), negation)
        if self._questions and len(words) <= QUESTION_WORDS:
            for question in self._questions:
                rule = question.rule
                if (
                    rule.id not in found
                    and _holds(rule.when, item)
                    and asks_definition(words, question)
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
