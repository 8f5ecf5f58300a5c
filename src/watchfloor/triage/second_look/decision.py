"""The second look (pure): which reports the second stage should read again, and what its scores
change about a report and its case, with the reason.

The first stage (rules and the n-gram classifier) triages every report at intake, fast. The
second stage (a slower sentence-embedding model, triage.classifiers.second_stage) reads again, in the
worker, the reports the first stage is unsure about. It can only make a report more urgent: a
harm area where the first stage found none, or a higher priority. It never lowers a priority or
clears a placement, because a missed harm costs more than a second look. On an English report
it decides on the blend of both stages (the mean of their scores per area) against thresholds
chosen for the blend, not on the second stage alone, which is sure of too much vague text. On a
report in another language it decides on the second stage alone in every area the first stage
learned from English rows only: there the first stage's score is near zero and the blend only
halves the second stage's (with heads fitted on English rows, Multilingual HateCheck's hateful
rows reached the blend's threshold 0-10 % of the time in every language, the second stage's
own 33-90 %; ``watchfloor triage second-stage --compare``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from watchfloor.triage.taxonomy import Priority

UNCLASSIFIED = "unclassified"
# First-stage flags that mean its classifier did not run: only rules placed the report.
NO_CLASSIFIER = frozenset({"classifier_failed", "classifier_missing"})
# Statuses of a case still waiting in its queue, untouched by anyone.
WAITING = frozenset({"new", "triaged"})
CLOSED = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class FirstStage:
    """What the first stage said about a report at intake."""

    harm_area: str
    priority: Priority
    area_scores: Mapping[str, float]
    flags: tuple[str, ...] = ()
    language: str | None = None  # detected, else the reporter's; None when unknown


def is_english(language: str | None) -> bool:
    """Whether a language tag (``en``, ``en-GB``, ``EN_us``) is English; unknown counts as English,
    as the first stage reads it as English."""
    if not language:
        return True
    return language.replace("_", "-").split("-")[0].strip().lower() in {"en", "eng"}


def worth_a_look(
    first: FirstStage,
    *,
    thresholds: Mapping[str, float],
    severities: Mapping[str, Priority],
) -> str | None:
    """Why the second stage should read this report (the first stage is unsure), or None.

    None too when nothing the second stage could find would make the report more urgent: it
    has a harm area and no area is more severe than its priority (a P1 report, when no area's
    severity is P0), so scoring it would be wasted work.
    """
    placed = first.harm_area != UNCLASSIFIED
    if placed and not any(s < first.priority for a, s in severities.items() if a != UNCLASSIFIED):
        return None
    if not placed:
        return "the first stage placed it in no harm area"
    if first.priority >= Priority.P2:
        return f"the first stage gave it {first.priority.label}"
    if NO_CLASSIFIER & set(first.flags):
        return "the first stage's classifier did not run"
    if not is_english(first.language):
        return f"it is written in {first.language}, which the first stage reads poorly"
    for area, score in sorted(first.area_scores.items(), key=lambda kv: -kv[1]):
        threshold = thresholds.get(area)
        if area != UNCLASSIFIED and threshold and threshold / 2 <= score < threshold:
            return f"the first stage scored {area} {score:.2f}, near its threshold {threshold:.2f}"
    return None


@dataclass(frozen=True)
class Placement:
    """The most urgent harm area the second look places a report in: ``score`` is what reached
    ``threshold`` (the blend, or the second stage alone when the first gave no score), with the
    two stages' own scores beside it."""

    area: str
    priority: Priority
    score: float
    threshold: float
    first: float | None = None  # the first stage's score; None when the second decided alone
    second: float | None = None
    alone_because: str = "the first stage's classifier did not run"

    def said(self) -> str:
        if self.first is None:
            return (
                f"second stage alone {self.score:.2f} >= {self.threshold:.2f} for {self.area} "
                f"({self.alone_because})"
            )
        return (
            f"blend {self.score:.2f} >= {self.threshold:.2f} for {self.area} "
            f"(first {self.first:.2f}, second {self.second if self.second is not None else 0:.2f})"
        )


def place(
    scores: Mapping[str, float],
    *,
    thresholds: Mapping[str, float],
    severities: Mapping[str, Priority],
) -> Placement | None:
    """The most urgent area whose score reaches its threshold (the highest score among equally
    severe ones), at that area's severity; None when no area does. Areas the taxonomy does not
    know, or without a threshold, never place."""
    best: Placement | None = None
    for area, score in scores.items():
        threshold = thresholds.get(area)
        if area == UNCLASSIFIED or area not in severities or threshold is None:
            continue
        if score < threshold:
            continue
        found = Placement(area, severities[area], float(score), float(threshold))
        if best is None or (found.priority, -found.score) < (best.priority, -best.score):
            best = found
    return best


def has_classifier_scores(first: FirstStage) -> bool:
    """Whether the first stage's classifier scored the report (its stored scores count)."""
    return not NO_CLASSIFIER & set(first.flags)


def blend(first: FirstStage, second: Mapping[str, float]) -> dict[str, float]:
    """Per area, the mean of the first stage's score and the second stage's. The first stage
    stores only scores of 0.05 and up: an area it did not store counts as 0."""
    return {a: (first.area_scores.get(a, 0.0) + s) / 2 for a, s in second.items()}


def place_blended(
    first: FirstStage,
    second: Mapping[str, float],
    *,
    blend_thresholds: Mapping[str, float],
    second_thresholds: Mapping[str, float],
    severities: Mapping[str, Priority],
    multilingual_areas: Collection[str] = (),
) -> Placement | None:
    """Where the second look places a report: the blend of both stages' scores against each
    area's blend threshold. The second stage alone is sure of too much vague text, and on the
    dev split the blend ranks better than either stage. The second stage decides alone, against
    its own thresholds, when the first stage's classifier did not run (no score of its own to
    blend), and for a report in another language than English in every area the first stage
    learned from English rows only (all but ``multilingual_areas``): there its score is near
    zero. In ``multilingual_areas`` (hate, learned in ten languages) the blend still decides,
    as it is the more accurate there (dev split: 0.76-0.83 against 0.68-0.80 per language)."""
    if not has_classifier_scores(first):
        return _alone(
            second, "the first stage's classifier did not run", second_thresholds, severities
        )
    if is_english(first.language):
        return _blended(first, second, blend_thresholds, severities)
    why = f"written in {first.language}, which the first stage reads poorly"
    learned = set(multilingual_areas)
    found = [
        _alone(
            {a: s for a, s in second.items() if a not in learned},
            why,
            second_thresholds,
            severities,
        ),
        _blended(
            first, {a: s for a, s in second.items() if a in learned}, blend_thresholds, severities
        ),
    ]
    return min((p for p in found if p is not None), key=_urgency, default=None)


def _urgency(placement: Placement) -> tuple[Priority, float]:
    return placement.priority, -placement.score


def _alone(
    second: Mapping[str, float],
    why: str,
    thresholds: Mapping[str, float],
    severities: Mapping[str, Priority],
) -> Placement | None:
    found = place(second, thresholds=thresholds, severities=severities)
    if found is None:
        return None
    return replace(found, second=found.score, alone_because=why)


def _blended(
    first: FirstStage,
    second: Mapping[str, float],
    thresholds: Mapping[str, float],
    severities: Mapping[str, Priority],
) -> Placement | None:
    found = place(blend(first, second), thresholds=thresholds, severities=severities)
    if found is None:
        return None
    return replace(
        found, first=float(first.area_scores.get(found.area, 0.0)), second=second[found.area]
    )


@dataclass(frozen=True)
class Verdict:
    """What the second look concluded about one report."""

    outcome: Literal["agreed", "more_urgent"]
    placement: Placement | None
    reason: str


def judge(first: FirstStage, placement: Placement | None, *, model: str) -> Verdict:
    """Whether the second look places the report more urgently than the first stage did: in a
    harm area where the first found none, or at a higher priority. ``model`` (the second
    stage's name) is named when it places nothing; the audit event and the report's marker
    name it always."""
    if placement is None:
        return Verdict(
            "agreed", None, f"second look: the blend with {model} placed it in no harm area"
        )
    said = f"second look: {placement.said()}"
    first_said = f"first stage: {first.harm_area}, {first.priority.label}"
    if first.harm_area == UNCLASSIFIED or placement.priority < first.priority:
        return Verdict(
            "more_urgent", placement, f"{said} → {placement.priority.label} ({first_said})"
        )
    return Verdict("agreed", placement, f"{said}, no more urgent than the {first_said}")


@dataclass(frozen=True)
class CaseState:
    """The parts of a case the second look reads before changing it."""

    key: str
    harm_area: str
    priority: Priority
    status: str
    assignee_id: int | None
    first_action_at_set: bool


@dataclass(frozen=True)
class CaseChange:
    """What to do to a case: a new harm area (only from unclassified) and/or a higher priority."""

    harm_area: str | None
    priority: Priority


def in_hands(case: CaseState) -> str | None:
    """Why the case is no longer the second look's to change, or None while it waits untouched.

    Once anyone has claimed, escalated, reviewed or decided a case, a person owns its harm area
    and priority: the second look reports what it found (in the audit trail) but changes
    nothing.
    """
    if case.status in CLOSED:
        return f"{case.key} is {case.status}"
    if case.assignee_id is not None or case.status not in WAITING or case.first_action_at_set:
        return f"{case.key} is in an analyst's hands ({case.status})"
    return None


def case_change(case: CaseState, placement: Placement) -> CaseChange | None:
    """How a more urgent placement changes a waiting case, or None when the case already says as
    much. The harm area changes only when the case has none (unclassified): a case's area is what
    later reports about its subject are linked by, and an analyst re-files a placed one."""
    area = placement.area if case.harm_area == UNCLASSIFIED else None
    priority = min(case.priority, placement.priority)
    if area is None and priority == case.priority:
        return None
    return CaseChange(area, Priority(priority))
