"""Why triage placed a text where it did: every signal, score, threshold and rule that decided.

``explain`` runs the engine intake uses on one text and lays out, as one structured value, what
each stage saw: the language (given and detected), every rule that fired and its effect, every
harm area's classifier score beside its threshold, what context rules cleared, hash matches,
the second stage's scores when one is installed, and the final verdict with its reasons. The
CLI prints it (``watchfloor triage explain``); the console or the API can show the same value.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from watchfloor.triage.classifiers.language import (
    DetectedLanguage,
    detect_language,
    triage_language,
)
from watchfloor.triage.rules.engine import RuleHit, TriageInput
from watchfloor.triage.scoring import clearing_rules
from watchfloor.triage.service import TriageEngine
from watchfloor.triage.taxonomy import Priority

Effect = Literal["places", "raises", "clears"]
HASH_NOTE = "hash lists match evidence files, never report text: none apply to a text alone"


@dataclass(frozen=True)
class LanguageSignal:
    given: str | None  # as the reporter gave it
    detected: str | None  # ISO 639-1, from the text
    confidence: float | None
    trusted: bool  # sure enough for rules to act on
    rules_read: str | None  # what the rules' ``languages`` condition compared


@dataclass(frozen=True)
class RuleSignal:
    id: str
    label: str
    effect: Effect
    matched: str | None  # the phrase or text that matched; None for conditions only
    negated_by: str | None  # the negation right before the match, if any
    harm_area: str | None  # where a placing rule places
    priority: str | None  # at which priority, after any negation
    raise_levels: int  # how many levels a raising rule raises
    clears: list[str]  # the harm areas a context rule clears
    kept_out_by: str | None  # the context rule that kept this placing rule out, if any
    reason: str


@dataclass(frozen=True)
class AreaScore:
    area: str
    score: float
    threshold: float | None
    above: bool
    cleared_by: str | None = None  # the context rule that kept an above-threshold score out


@dataclass(frozen=True)
class Clearing:
    context: str  # the context rule's reason
    kept_out: list[str]  # what it kept out: "rule X", "classifier's AREA 0.62"


@dataclass(frozen=True)
class StageScores:
    status: Literal["scored", "missing", "failed"]
    note: str | None = None  # why it did not score
    name: str | None = None
    areas: list[AreaScore] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    harm_area: str
    priority: str
    risk: float
    policy: str | None
    harm_areas: list[str]
    reasons: list[str]
    flags: list[str]


@dataclass(frozen=True)
class Explanation:
    text: str
    reporter_kind: str
    category: str | None
    language: LanguageSignal
    rules: list[RuleSignal]
    classifier: StageScores
    cleared: list[Clearing]
    hash_matches: list[str]
    hash_note: str
    second_stage: StageScores
    verdict: Verdict

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def explain(
    engine: TriageEngine,
    *,
    text: str,
    language: str | None = None,
    reporter_kind: str = "user",
    category: str | None = None,
    second_stage: StageScores | None = None,
) -> Explanation:
    """Triage ``text`` as intake would and say why. ``second_stage`` is its scores, if already
    computed (see ``second_stage_scores``); otherwise the section says it was not run."""
    detected = detect_language(text)
    item = TriageInput(
        text=text,
        reporter_kind=reporter_kind,
        category_hint=category,
        language=triage_language(language, detected),
    )
    hits = engine.rules.hits(item)
    clearing = clearing_rules(hits)
    result = engine.triage_many([item])[0]
    return Explanation(
        text=text,
        reporter_kind=reporter_kind,
        category=category,
        language=_language(language, detected, item.language),
        rules=[_rule(hit, clearing) for hit in hits],
        classifier=_classifier(engine, text, clearing),
        cleared=[Clearing(why, list(what)) for why, what in result.kept_out.items()],
        hash_matches=[],
        hash_note=HASH_NOTE,
        second_stage=second_stage or StageScores("missing", "not run"),
        verdict=Verdict(
            harm_area=result.harm_area,
            priority=result.priority.label,
            risk=result.risk,
            policy=result.policy,
            harm_areas=list(result.harm_areas),
            reasons=list(result.reasons),
            flags=list(result.flags),
        ),
    )


def _language(
    given: str | None, detected: DetectedLanguage | None, rules_read: str | None
) -> LanguageSignal:
    return LanguageSignal(
        given=given,
        detected=detected.code if detected else None,
        confidence=detected.confidence if detected else None,
        trusted=bool(detected and detected.trusted),
        rules_read=rules_read,
    )


def _rule(hit: RuleHit, clearing: dict[str, RuleHit]) -> RuleSignal:
    rule = hit.rule
    effect: Effect = "clears" if rule.clears else "places" if rule.harm_area else "raises"
    context = clearing.get(rule.harm_area) if rule.harm_area else None
    kept_out = (
        context.rule.id
        if context is not None and hit.priority is not None and hit.priority > Priority.P0
        else None
    )
    return RuleSignal(
        id=rule.id,
        label=rule.label,
        effect=effect,
        matched=hit.quote,
        negated_by=hit.negated_by,
        harm_area=rule.harm_area,
        priority=hit.priority.label if hit.priority is not None else None,
        raise_levels=rule.raise_priority,
        clears=list(rule.clears),
        kept_out_by=kept_out,
        reason=hit.reason,
    )


def _classifier(engine: TriageEngine, text: str, clearing: dict[str, RuleHit]) -> StageScores:
    model = engine.classifier
    if model is None:
        return StageScores("missing", "no classifier model installed: triage uses rules only")
    try:
        scores = model.scores([text])[0]
    except Exception as exc:  # noqa: BLE001 - shown as the engine would degrade: rules only
        return StageScores("failed", f"the classifier failed ({type(exc).__name__}): rules only")
    info = model.info
    when = info.get("trained_at")
    name = "shipped base model" if info.get("base") else f"trained {when}" if when else "trained"
    return StageScores("scored", name=name, areas=_areas(scores, model.thresholds, clearing))


def _areas(
    scores: dict[str, float], thresholds: dict[str, float], clearing: dict[str, RuleHit]
) -> list[AreaScore]:
    out = []
    for area, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if area == "unclassified":  # never placed by a score: it is where nothing placed
            continue
        threshold = thresholds.get(area)
        above = threshold is not None and score >= threshold
        context = clearing.get(area) if above else None
        out.append(
            AreaScore(
                area=area,
                score=round(score, 4),
                threshold=round(threshold, 4) if threshold is not None else None,
                above=above,
                cleared_by=context.rule.id if context is not None else None,
            )
        )
    return out


def second_stage_scores(text: str) -> StageScores:
    """The second stage's scores for ``text`` when a second-stage model is installed; else why
    not. Imported only here, so explain works without the module or its artifact."""
    try:
        from watchfloor.triage.classifiers import second_stage
    except ImportError:
        return StageScores("missing", "no second stage in this installation")
    # Its loader warns when there is no model; here that is an answer, not a warning.
    quiet = logging.getLogger(second_stage.__name__)
    was = quiet.disabled
    quiet.disabled = True
    try:
        stage = second_stage.load_second_stage()
    except Exception as exc:  # noqa: BLE001 - a broken optional stage must not break explain
        return StageScores("failed", f"the second stage could not load ({type(exc).__name__})")
    finally:
        quiet.disabled = was
    if stage is None:
        return StageScores("missing", "no second-stage model built or installed")
    try:
        scores = stage.scores([text])[0]
    except Exception as exc:  # noqa: BLE001
        return StageScores("failed", f"the second stage failed ({type(exc).__name__})")
    return StageScores(
        "scored", name=str(stage.name), areas=_areas(scores, dict(stage.thresholds), {})
    )


def render(e: Explanation) -> str:
    """The explanation as a lead reads it."""
    lines = [f"Text: {_quote(e.text)}"]
    who = f"reporter: {e.reporter_kind}"
    lines.append(f"  {who}; category chosen: {e.category or 'none'}")
    lang = e.language
    detected = (
        f"{lang.detected} (confidence {lang.confidence:.2f}"
        f"{'' if lang.trusted else ', too unsure for rules to act on'})"
        if lang.detected
        else "none (no words to go by)"
    )
    lines += [
        "",
        f"Language: given {lang.given or 'none'}; detected {detected}; "
        f"rules read: {lang.rules_read or 'none'}",
        "",
        f"Rules that matched: {len(e.rules) or 'none'}",
    ]
    for r in e.rules:
        what = f"'{r.matched}'" if r.matched else "its conditions"
        if r.effect == "places":
            effect = f"places {r.harm_area} at {r.priority}"
        elif r.effect == "raises":
            effect = f"raises the priority {r.raise_levels} level(s)"
        else:
            effect = f"clears {', '.join(r.clears)}"
        extra = f", negated by '{r.negated_by}'" if r.negated_by else ""
        extra += f", kept out by {r.kept_out_by}" if r.kept_out_by else ""
        lines.append(f"  {r.id} ({r.label}): matched {what} → {effect}{extra}")
    lines += ["", *_stage_lines("Classifier", e.classifier), ""]
    lines.append(f"Cleared by context: {'none' if not e.cleared else ''}".rstrip())
    for c in e.cleared:
        lines.append(f"  {c.context}: kept out {', '.join(c.kept_out)}")
    lines += ["", f"Hash matches: {', '.join(e.hash_matches) or 'none'} ({e.hash_note})", ""]
    lines += [*_stage_lines("Second stage", e.second_stage), ""]
    v = e.verdict
    lines += [
        f"Verdict: {v.harm_area}, {v.priority}, risk {v.risk:.2f}, policy {v.policy or 'none'}",
        f"  harm areas: {', '.join(v.harm_areas)}",
        f"  flags: {', '.join(v.flags) or 'none'}",
        "  reasons:",
        *(f"    - {reason}" for reason in v.reasons),
    ]
    return "\n".join(lines)


def _stage_lines(title: str, stage: StageScores) -> list[str]:
    if stage.status != "scored":
        return [f"{title}: {stage.status}: {stage.note}"]
    lines = [f"{title} ({stage.name}): score / threshold per harm area"]
    for a in stage.areas:
        threshold = f"{a.threshold:.2f}" if a.threshold is not None else "none"
        mark = "ABOVE" if a.above else "below"
        if a.cleared_by:
            mark += f", cleared by {a.cleared_by}"
        lines.append(f"  {a.area:<24} {a.score:>5.2f} / {threshold:<5} {mark}")
    return lines


def _quote(text: str) -> str:
    line = " ".join(text.split())
    return f'"{line}"' if len(line) <= 300 else f'"{line[:297]}…"'
