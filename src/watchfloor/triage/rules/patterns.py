"""How a triage rule's phrases and regular expressions read a report, fast.

Phrases: ``phrase_variants`` turns a phrase as a policy writer writes it into every word
sequence it matches, once, when the rules load, so matching a report stays one dictionary look-up
a word. A word may carry a word-form marker:

- ``kid+s``: the word and its -s forms: plural or third person, and the possessive ('s):
  kid, kids, kid's; child+s adds children (a small table of irregular plurals);
- ``kill+ing``: also the -ing form (spelling rules applied: stab → stabbing, die → dying,
  overdose → overdosing): kill, kills, killing. Present forms only: "killing myself" is now,
  "killed myself" is rarely a crisis ("I nearly killed myself on that ladder");
- ``harm+ed``: also the past forms (harmed; a table of irregular verbs: cut, hung, shot, took).

A word with no marker matches only as written: "kid" must not match "kidding", nor "crack"
"cracking", nor "slur" "slurring", so the writer says which words inflect. A hyphenated word
also matches written apart and joined: "self-harm+ed" matches "self harming", "self-harmed",
"selfharm". Spelling rules over-generate (stab → stabing as well as stabbing): forms that are
not words never occur in a report, so they cost nothing.

Why not a stemmer (snowballstemmer's English, for one): it reads both the rule and the report
and conflates words a rule must keep apart (minority → minor, sexuality → sexual, kidding → kid,
killed → kill), and it costs about 90 µs a word in pure Python, some forty times a whole report's
rule scan here. Forms made once at load cost nothing per report.

Patterns: a rule's pattern matches case-insensitively between word boundaries. Searching it
naively in every report is what made rules slow; ``TextPattern`` searches on the lower-cased text
where it can and checks the leading word boundary itself, and says which words a match can start
with (``first_words``), so ``Rules.hits`` searches a pattern only in reports that hold one of them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import lru_cache

# A word of a report, as rules read them (engine.py splits texts with it): a pattern's first
# words are taken the same way, so that they can be looked up among a report's words.
WORD = re.compile(r"\w+(?:'\w+)?")

# Word-form markers, each including the forms of the one before it.
MARKERS = ("+s", "+ing", "+ed")
MAX_VARIANTS = 5000  # word sequences one phrase may stand for: beyond it, split the phrase

_IRREGULAR_PLURALS = {
    "child": ("children",),
    "man": ("men",),
    "woman": ("women",),
    "person": ("people", "persons"),
    "foot": ("feet",),
    "tooth": ("teeth",),
    "mouse": ("mice",),
    "goose": ("geese",),
    "ox": ("oxen",),
}
# Past and past participle of the irregular verbs a rule is likely to need.
_IRREGULAR_PAST = {
    "be": ("was", "were", "been"),
    "beat": ("beat", "beaten"),
    "bite": ("bit", "bitten"),
    "bleed": ("bled",),
    "blow": ("blew", "blown"),
    "break": ("broke", "broken"),
    "bring": ("brought",),
    "build": ("built",),
    "burn": ("burnt", "burned"),
    "buy": ("bought",),
    "catch": ("caught",),
    "choose": ("chose", "chosen"),
    "come": ("came", "come"),
    "cut": ("cut",),
    "do": ("did", "done"),
    "drive": ("drove", "driven"),
    "eat": ("ate", "eaten"),
    "feed": ("fed",),
    "feel": ("felt",),
    "fight": ("fought",),
    "find": ("found",),
    "freeze": ("froze", "frozen"),
    "get": ("got", "gotten"),
    "give": ("gave", "given"),
    "go": ("went", "gone"),
    "grow": ("grew", "grown"),
    "hang": ("hung", "hanged"),
    "have": ("had",),
    "hide": ("hid", "hidden"),
    "hit": ("hit",),
    "hold": ("held",),
    "hurt": ("hurt",),
    "keep": ("kept",),
    "know": ("knew", "known"),
    "lay": ("laid",),
    "leave": ("left",),
    "lose": ("lost",),
    "make": ("made",),
    "meet": ("met",),
    "pay": ("paid",),
    "put": ("put",),
    "run": ("ran", "run"),
    "say": ("said",),
    "see": ("saw", "seen"),
    "sell": ("sold",),
    "send": ("sent",),
    "set": ("set",),
    "shoot": ("shot",),
    "shut": ("shut",),
    "sleep": ("slept",),
    "slit": ("slit",),
    "spread": ("spread",),
    "steal": ("stole", "stolen"),
    "strike": ("struck", "stricken"),
    "swing": ("swung",),
    "take": ("took", "taken"),
    "teach": ("taught",),
    "tell": ("told",),
    "think": ("thought",),
    "throw": ("threw", "thrown"),
    "wake": ("woke", "woken"),
    "write": ("wrote", "written"),
}
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=16384)  # rules load, validate and compile the same phrases more than once
def phrase_variants(phrase: str) -> tuple[tuple[str, ...], ...]:
    """Every sequence of (lower-case) words ``phrase`` matches, with its word-form markers and
    hyphenated words expanded (see the module's docstring). Raises ValueError for a marker
    that is not one, or a phrase that stands for too many sequences."""
    choices: list[list[tuple[str, ...]]] = []
    for token in phrase.lower().split():
        marker = next((m for m in reversed(MARKERS) if token.endswith(m)), None)
        base = token[: -len(marker)] if marker else token
        if "+" in base:
            raise ValueError(
                f"{token!r} in phrase {phrase!r}: a word-form marker is one of "
                f"{', '.join(MARKERS)}, at the end of a word"
            )
        parts = WORD.findall(base)
        if not parts:
            if marker:
                raise ValueError(f"{token!r} in phrase {phrase!r}: the marker has no word")
            continue  # punctuation only: the rules do not read it
        last = word_forms(parts[-1], marker)
        options: set[tuple[str, ...]] = {(*parts[:-1], form) for form in last}
        if len(parts) > 1 and re.fullmatch(r"[\w']+(?:-[\w']+)+", base):
            joined = "".join(parts[:-1])  # "self-harm" also written "selfharm"
            options |= {(joined + form,) for form in last}
        choices.append(sorted(options))
    count = 1
    for choice in choices:
        count *= len(choice)
    if count > MAX_VARIANTS:
        raise ValueError(
            f"phrase {phrase!r} stands for {count:,} word sequences (at most {MAX_VARIANTS:,}): "
            "mark fewer of its words, or split it"
        )
    return tuple(tuple(w for part in combo for w in part) for combo in itertools.product(*choices))


def word_forms(word: str, marker: str | None) -> set[str]:
    """``word`` and the forms its marker (``+s``, ``+ing``, ``+ed`` or None) stands for."""
    forms = {word}
    if marker is None:
        return forms
    forms |= _plural(word)
    forms |= {f + "'s" for f in forms if not f.endswith("s")}  # kids' is read as kids
    if marker in ("+ing", "+ed"):
        forms |= _ing(word)
    if marker == "+ed":
        forms |= _past(word)
    return forms


def _cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant, so an ending may double its last letter (stab → stabbed)."""
    return (
        len(word) >= 3
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )


def _plural(word: str) -> set[str]:
    out = set(_IRREGULAR_PLURALS.get(word, ()))
    if word.endswith(("s", "x", "z", "ch", "sh")):
        out.add(word + "es")
    elif len(word) > 1 and word.endswith("y") and word[-2] not in _VOWELS:
        out.add(word[:-1] + "ies")
    else:
        out.add(word + "s")
    if word.endswith("fe"):
        out.add(word[:-2] + "ves")  # wife → wives, knife → knives
    elif word.endswith("f"):
        out.add(word[:-1] + "ves")
    return out


def _ing(word: str) -> set[str]:
    if word.endswith("ie"):
        return {word[:-2] + "ying"}  # die → dying
    if word.endswith("e") and not word.endswith(("ee", "oe", "ye")) and len(word) > 2:
        return {word[:-1] + "ing"}  # overdose → overdosing
    out = {word + "ing"}
    if _cvc(word):
        out.add(word + word[-1] + "ing")  # stab → stabbing
    return out


def _past(word: str) -> set[str]:
    out = set(_IRREGULAR_PAST.get(word, ()))
    if word.endswith("e"):
        out.add(word + "d")
    elif len(word) > 1 and word.endswith("y") and word[-2] not in _VOWELS:
        out.add(word[:-1] + "ied")
    else:
        out.add(word + "ed")
        if _cvc(word):
            out.add(word + word[-1] + "ed")
    return out


class TextPattern:
    """A rule's regular expression, matched case-insensitively from a word boundary.

    Searched the fast way: a pattern with no upper-case letter of its own runs case-sensitively
    on the lower-cased text, and the leading word boundary is checked on each candidate instead
    of being part of the expression. Both let the regex engine skip ahead to the pattern's
    literal start; together about fifteen times faster, with the same matches.
    """

    def __init__(self, pattern: str) -> None:
        own_letters = re.sub(r"\\.", "", pattern)  # escapes such as \S and \D are not letters
        self.on_lowered = own_letters == own_letters.lower()
        flags = 0 if self.on_lowered else re.IGNORECASE
        self.regex = re.compile(rf"(?:{pattern})\b", flags)
        self.first_words = _first_words(pattern)

    def find(self, text: str, lowered: str) -> tuple[str, str] | None:
        """The first match that starts on a word boundary: what it matched, as written in
        ``text``, and the text before it. ``lowered`` is ``text.lower()``."""
        target = lowered if self.on_lowered else text
        at = 0
        while (m := self.regex.search(target, at)) is not None:
            if _BOUNDARY.match(target, m.start()):
                # Lower-casing keeps offsets except for a few letters (İ): then quote it lowered.
                source = text if len(target) == len(text) else target
                return source[m.start() : m.end()], source[: m.start()]
            at = m.start() + 1
        return None


_BOUNDARY = re.compile(r"\b")
# What may follow a pattern's first word and still leave it a word the rules look up: a word
# boundary, or an apostrophe ("maid's"), since the rules also look up the parts of such words.
_WORD_ENDS = (" ", "-", "/", ":", ",", "'", "\\s", "\\b", "\\.", "\\-")


def _first_words(pattern: str) -> frozenset[str]:
    """The words (lower-cased) one of which every match of ``pattern`` starts with, when the
    pattern says so plainly: a literal word, or a group of alternatives that each start with
    one ("(?:kill|wipe out) ..."). Empty when it cannot tell, and the pattern is always
    searched."""
    branches = _split_alternatives(pattern)
    if len(branches) > 1:  # "kill me|murder": each branch has its own first words
        found = [_first_words(branch) for branch in branches]
        return frozenset().union(*found) if all(found) else frozenset()
    alternatives, rest = [pattern], ""
    if pattern.startswith("(?:"):
        inside = _group_body(pattern)
        if inside is None:
            return frozenset()
        alternatives, rest = _split_alternatives(inside), pattern[len(inside) + 4 :]
        if rest[:1] in {"?", "*", "+", "{"}:  # the group may be absent or repeat
            return frozenset()
    words = set()
    for alternative in alternatives:
        m = WORD.match(alternative)
        if m is None:
            return frozenset()
        after = alternative[m.end() :] or rest
        if after and not after.startswith(_WORD_ENDS):
            return frozenset()
        words.add(m.group(0).lower())
    return frozenset(words)


def _group_body(pattern: str) -> str | None:
    """What is inside the group that opens ``pattern`` ("(?:" ... ")")."""
    for i, c, depth in _syntax(pattern):
        if c == ")" and depth == 1:
            return pattern[3:i]
    return None


def _split_alternatives(body: str) -> list[str]:
    """``body`` cut at its top-level ``|``."""
    parts, start = [], 0
    for i, c, depth in _syntax(body):
        if c == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def _syntax(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each character of ``pattern`` outside escapes and [classes], with its index and how deep
    in groups it stands."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            yield i, c, depth
            depth += (c == "(") - (c == ")")
        i += 1
