"""Proximity matches and definition questions, read from a report's words (pure).

``Rules.hits`` (engine.py) notes where each term of a proximity list occurs while it scans a
report once; ``near_match`` then finds the first span holding a term of every list within the
rule's window, and ``asks_definition`` whether the whole report is a question about a term.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from watchfloor.triage.rules.schema import Rule


@dataclass(frozen=True)
class NearRule:
    rule: Rule
    lists: tuple[int, ...]  # term ids, in the rule's order
    within: int
    ordered: bool
    unless: int | None


@dataclass(frozen=True)
class Question:
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
QUESTION_WORDS = 12  # a longer report is never only a question about a term


def near_match(near: NearRule, seen: dict[int, list[tuple[int, int]]]) -> tuple[int, int] | None:
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


def _excluded(near: NearRule, seen: dict[int, list[tuple[int, int]]], start: int, end: int) -> bool:
    if near.unless is None:
        return False
    return any(
        start - near.within <= e and s <= end + near.within for s, e in seen.get(near.unless, ())
    )


def asks_definition(words: list[str], question: Question) -> bool:
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
