"""A plain extractive summary of reports, for when no language model writes one (pure)."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_SPACE = re.compile(r"\s+")


def first_sentence(text: str) -> str:
    """The first sentence (or line) of ``text``, whitespace collapsed; '' if there is none."""
    for part in _SENTENCE_END.split(text.strip()):
        sentence = _SPACE.sub(" ", part).strip()
        if sentence:
            return sentence
    return ""


def extractive_summary(texts: list[str], *, limit: int = 300) -> str:
    """The first sentence of each text, repeats dropped, joined and cut to ``limit`` characters."""
    seen: set[str] = set()
    parts: list[str] = []
    for text in texts:
        sentence = first_sentence(text)
        if sentence and sentence.casefold() not in seen:
            seen.add(sentence.casefold())
            parts.append(sentence)
    summary = " / ".join(parts)
    if len(summary) > limit:
        summary = summary[: limit - 1].rstrip() + "…"
    return summary
