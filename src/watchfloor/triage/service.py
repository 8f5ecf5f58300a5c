"""The triage interface intake calls. The full engine (issue: triage engine) replaces RulesTriager."""

from __future__ import annotations

from typing import Protocol

from watchfloor.triage.rules import PhraseRules, TriageInput, TriageResult


class Triager(Protocol):
    """Gives each report a harm area, a priority and the reasons for both."""

    def triage_many(self, items: list[TriageInput]) -> list[TriageResult]: ...


class RulesTriager:
    """Triage by phrase rules only."""

    def __init__(self, rules: PhraseRules) -> None:
        self.rules = rules

    def triage_many(self, items: list[TriageInput]) -> list[TriageResult]:
        return [self.rules.apply(item) for item in items]
