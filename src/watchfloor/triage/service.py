"""The triage engine intake calls: rules, the classifier, hash matches and the subject's history,
combined with their reasons (see scoring.py). Also where the classifier's model comes from.

A classifier failure never blocks intake: the report gets rules-only triage and the case a
visible ``classifier_failed`` flag.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.cases import service as cases
from watchfloor.clock import Clock
from watchfloor.intake import service as intake
from watchfloor.quality import service as quality
from watchfloor.triage.classifiers.first_stage import TextClassifier
from watchfloor.triage.classifiers.learning import (
    fit_with_thresholds,
    public_sets,
    shipped_examples,
    sources,
    without_sealed,
)
from watchfloor.triage.evaluation.datasets import (
    Example,
    LabelMapping,
    committed_sealed,
    is_holdout,
)
from watchfloor.triage.evaluation.report import ANY, Report, evaluate, render
from watchfloor.triage.rules.engine import Rules, TriageInput
from watchfloor.triage.scoring import (
    CLASSIFIER_FAILED,
    CLASSIFIER_MISSING,
    TriageResult,
    combine,
)
from watchfloor.triage.taxonomy import Priority, Taxonomy

log = logging.getLogger(__name__)

BASE_MODEL = Path(__file__).parent / "classifiers" / "data" / "base_model.npz"
ACTIVE = "active.npz"


class Triager(Protocol):
    """Gives each report harm area(s), a risk score, a priority and the reasons for them."""

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]: ...


class TriageEngine:
    """Rules plus (when it has one) the classifier; pure once built, safe to share."""

    def __init__(
        self, taxonomy: Taxonomy, rules: Rules, classifier: TextClassifier | None = None
    ) -> None:
        self.taxonomy = taxonomy
        self.rules = rules
        self.classifier = classifier

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        scores: list[dict[str, float]] | list[None] = [None] * len(items)
        flags: list[str] = []
        thresholds: dict[str, float] = {}
        if self.classifier is None:
            flags = [CLASSIFIER_MISSING]
        else:
            try:
                scores = self.classifier.scores([i.text for i in items])
                thresholds = self.classifier.thresholds
            except Exception:  # any failure of the model must leave intake working
                log.exception("classifier failed; triaging %d report(s) by rules only", len(items))
                flags = [CLASSIFIER_FAILED]
        results = []
        for item, score in zip(items, scores, strict=True):
            result = combine(self.taxonomy, item, self.rules.hits(item), score, thresholds, flags)
            if flags:
                result.reasons.append(
                    "classifier unavailable: triaged by rules only"
                    if flags == [CLASSIFIER_FAILED]
                    else "no classifier model installed: triaged by rules only"
                )
            results.append(result)
        return results


def model_path(model_dir: Path) -> Path:
    """The model in use: the one ``watchfloor triage train`` promoted, else the shipped base."""
    active = model_dir / ACTIVE
    return active if active.exists() else BASE_MODEL


def load_classifier(model_dir: Path) -> TextClassifier | None:
    """The model in use, or None (rules only) if there is none or it cannot be read."""
    path = model_path(model_dir)
    try:
        return _load(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        log.warning("no classifier model at %s; triage uses rules only", path)
    except (OSError, ValueError, KeyError) as exc:
        log.error("cannot read classifier model %s (%s); triage uses rules only", path, exc)
    return None


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> TextClassifier:
    """One copy per model file and version in a process (it is read-only once loaded)."""
    return TextClassifier.load(path)


# --- learning from the team's decisions -------------------------------------------------------


@dataclass
class TrainOutcome:
    candidate: Path
    promoted: bool
    examples: int
    decided: int
    held_out: int
    candidate_score: float
    current_score: float | None
    table: str


def decided_examples(session: Session, taxonomy: Taxonomy) -> list[Example]:
    """Every report of every decided case, labelled by its final verdict (a golden case's agreed
    verdict, or QA's: a lead's ruling or the review that agreed), else its latest decision: the
    policy's harm area when it was a violation, benign when not. Golden copies are left out.
    Cases fall in the held-out part by a hash of their key."""
    verdicts = cases.latest_verdicts(session)
    for case_id, verdict in quality.final_verdicts_by_case(session).items():
        if case_id in verdicts:
            verdicts[case_id] = verdict
    out = []
    for case_id, text in intake.texts_of_cases(session, case_ids=sorted(verdicts)):
        policy_id, violation = verdicts[case_id]
        found = taxonomy.policy(policy_id)
        areas = frozenset({found[0].id}) - {"unclassified"} if violation and found else frozenset()
        out.append(Example(text, areas, holdout=is_holdout(f"case-{case_id}")))
    return out


def train(
    session: Session,
    clock: Clock,
    *,
    taxonomy: Taxonomy,
    model_dir: Path,
    data_dir: Path | None,
    mappings: list[LabelMapping],
    actor: str,
) -> TrainOutcome:
    """Refit on everything we may learn from plus the team's decisions; promote the new model
    only if it is no worse than the current one on the held-out part (mean AUPRC over areas)."""
    decided = decided_examples(session, taxonomy)
    sets = public_sets(data_dir, mappings)
    public, names = [e for rows in sets.values() for e in rows], list(sets)
    held_out = [e for e in [*decided, *public] if e.holdout]
    sealed = committed_sealed(mappings)
    training = [
        *shipped_examples(taxonomy, public, sealed),
        *without_sealed((e for e in decided if not e.holdout), sealed),
    ]
    now = clock.now()
    candidate = fit_with_thresholds(
        training,
        taxonomy.area_ids,
        {
            "trained_at": now.isoformat(),
            "taxonomy_version": taxonomy.version,
            "decided_cases_reports": len(decided) - sum(e.holdout for e in decided),
            "public_sets": names,
        },
        # The team's benign decisions hold the false-positive budget as a set of their own.
        sources={**sources(sets), **sources({"decided cases": decided})},
    )
    path = model_dir / "candidates" / f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}.npz"
    candidate.save(path)
    current = load_classifier(model_dir)
    cand_score, table = _score(candidate, held_out, "candidate")
    cur_score: float | None = None
    if current is not None:
        cur_score, cur_table = _score(current, held_out, "current")
        table = f"{cur_table}\n\n{table}"
    promoted = not held_out or cur_score is None or cand_score >= cur_score
    if promoted:
        shutil.copyfile(path, model_dir / ".active.tmp.npz")
        (model_dir / ".active.tmp.npz").replace(model_dir / ACTIVE)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="triage.model_promoted" if promoted else "triage.model_rejected",
        object_type="triage_model",
        object_id=path.name,
        after={
            "examples": len(training),
            "held_out": len(held_out),
            "candidate_mean_auprc": round(cand_score, 4),
            "current_mean_auprc": round(cur_score, 4) if cur_score is not None else None,
        },
    )
    return TrainOutcome(
        path, promoted, len(training), len(decided), len(held_out), cand_score, cur_score, table
    )


def _score(model: TextClassifier, examples: list[Example], name: str) -> tuple[float, str]:
    """A model's mean AUPRC over areas on the held-out part, and its table. Without bootstrap
    intervals: promotion compares the two means, and resampling every area of both models
    would cost seconds a model (the proportions keep their Wilson intervals)."""
    if not examples:
        return 0.0, f"{name}: no held-out examples"
    start = time.perf_counter()
    scores = model.scores([e.text for e in examples])
    seconds = time.perf_counter() - start
    flagged = [set(model.flagged(s)) for s in scores]
    report = evaluate(examples, flagged, scores, [False] * len(examples), seconds, intervals=False)
    auprcs = [f.auprc for f in report.areas if f.auprc is not None and f.area != ANY]
    mean = sum(auprcs) / len(auprcs) if auprcs else 0.0
    return mean, render(
        f"{name} model on the held-out part (mean AUPRC {mean:.3f})", report, breakdown=False
    )


def evaluate_engine(engine: Triager, examples: list[Example], chunk: int = 1000) -> Report:
    """Run the whole engine over labelled examples (in intake-sized batches) and score it.

    An area's score is the classifier's, or the confidence of the rule or list that placed the
    text there if that is higher: the ranking an analyst would see.
    """
    results: list[TriageResult] = []
    start = time.perf_counter()
    for i in range(0, len(examples), chunk):
        results += engine.triage_many([TriageInput(e.text) for e in examples[i : i + chunk]])
    seconds = time.perf_counter() - start
    flagged = [set(r.harm_areas) - {"unclassified"} for r in results]
    scores = []
    for r in results:
        score = dict(r.area_scores)
        for area in r.harm_areas:
            score[area] = max(score.get(area, 0.0), r.risk if area == r.harm_area else 0.5)
        scores.append(score)
    return evaluate(
        examples, flagged, scores, [r.priority == Priority.P0 for r in results], seconds
    )


def train_base(taxonomy: Taxonomy, data_dir: Path | None, mappings: list[LabelMapping]) -> Path:
    """Rebuild the model shipped in the package from the project's own seed data, the demo
    generator and the public sets whose licence allows it (their training part)."""
    sets = public_sets(data_dir, mappings)
    public, used = [e for rows in sets.values() for e in rows], list(sets)
    examples = shipped_examples(taxonomy, public, committed_sealed(mappings))
    model = fit_with_thresholds(
        examples,
        taxonomy.area_ids,
        {
            "base": True,
            "taxonomy_version": taxonomy.version,
            "public_sets": used,
            "public_rows": sum(not e.holdout for e in public),
            "sealed_rows_left_out": sum(e.holdout for e in public),
        },
        sources=sources(sets),
    )
    model.save(BASE_MODEL)
    return BASE_MODEL
