"""Advice on a case from a language model, falling back to the offline triage.

Three steps, so the route can end its database transaction before the slow model call:
``gather`` reads the case (session), ``advise`` asks the model (network, no session), ``record``
writes the audit event (session). Only report text is ever sent; never evidence files.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import AssistOut
from watchfloor.clock import Clock
from watchfloor.intake import service as intake
from watchfloor.settings import Settings
from watchfloor.triage.llm import client as llm
from watchfloor.triage.llm.prompt import CaseText, Prompt, ReportText, build_prompt
from watchfloor.triage.llm.summary import extractive_summary
from watchfloor.triage.taxonomy import Priority, Taxonomy

MAX_REPORTS = 50  # the oldest reports of a case say what it is about; the rest would not fit


@dataclass(frozen=True)
class Material:
    """What advice on a case is made from, read in one short transaction."""

    key: str
    harm_area: str
    priority: str
    triage_reasons: list[str]
    text: CaseText


@dataclass(frozen=True)
class Advice:
    out: AssistOut
    asked_llm: bool
    prompt: Prompt | None
    failure: str | None = None  # LlmFailure.kind: a fixed word, safe for the audit log


def gather(session: Session, *, key: str) -> Material:
    """The case and its report texts; NotFound for an unknown key."""
    case = cases.get_or_raise(session, key=key)
    reports = intake.reports_of_case(session, case_id=case.id, limit=MAX_REPORTS)
    return Material(
        key=case.key,
        harm_area=case.harm_area,
        priority=Priority(case.priority).label,
        triage_reasons=list(case.triage_reasons),
        text=CaseText(
            key=case.key,
            harm_area=case.harm_area,
            reports=[
                ReportText(
                    ref=n,
                    source=r.source,
                    received_at=r.received_at.isoformat(),
                    text=r.text,
                    harm_area=r.harm_area,
                )
                for n, r in enumerate(reports, start=1)
            ],
        ),
    )


def offline(material: Material, reason: str) -> AssistOut:
    """The offline triage's view of the case, with an extractive summary."""
    reasons = "; ".join(material.triage_reasons)
    return AssistOut(
        source="offline",
        model=None,
        harm_area=material.harm_area,
        policy_id=None,
        violation=None,
        confidence=None,
        priority=material.priority,
        rationale=f"Offline triage: {reasons}"
        if reasons
        else f"Offline triage placed the case in {material.harm_area} at {material.priority}.",
        summary=extractive_summary([r.text for r in material.text.reports]),
        fallback_reason=reason,
    )


def advise(
    material: Material,
    *,
    settings: Settings,
    taxonomy: Taxonomy,
    client: httpx.Client | None = None,
) -> Advice:
    """Ask the model when it is on; otherwise, or when it fails, the offline advice. Never raises."""
    if not settings.llm_enabled:
        return Advice(offline(material, "LLM assistance is off"), asked_llm=False, prompt=None)
    prompt = build_prompt(material.text, taxonomy, max_input_chars=settings.llm_max_input_chars)
    result = llm.assess(settings, prompt, taxonomy, client=client)
    if isinstance(result, llm.LlmFailure):
        return Advice(
            offline(material, result.reason), asked_llm=True, prompt=prompt, failure=result.kind
        )
    answer = result.answer
    out = AssistOut(
        source="llm",
        model=result.model,
        harm_area=answer.harm_area,
        policy_id=answer.policy_id,
        violation=answer.violation,
        confidence=answer.confidence,
        priority=answer.priority,
        rationale=answer.rationale,
        summary=answer.summary,
        fallback_reason=None,
    )
    return Advice(out, asked_llm=True, prompt=prompt)


def record(
    session: Session, clock: Clock, *, key: str, advice: Advice, actor: User, settings: Settings
) -> None:
    """Audit that a model was asked about the case: which, what it said, never the report text."""
    if not advice.asked_llm:
        return
    out = advice.out
    after: dict[str, object] = {
        "model": settings.llm_model,
        "outcome": "answered" if out.source == "llm" else "failed",
        "reports_sent": advice.prompt.reports_sent if advice.prompt else 0,
        "chars_sent": advice.prompt.chars_sent if advice.prompt else 0,
    }
    if out.source == "llm":
        after.update(
            answered_by=out.model,
            harm_area=out.harm_area,
            policy_id=out.policy_id,
            violation=out.violation,
            confidence=out.confidence,
            priority=out.priority,
        )
    else:
        # The kind, not the reason: a server's error message may echo the reports.
        after["failure"] = advice.failure
    audit.record(
        session,
        at=clock.now(),
        actor=f"user:{actor.username}",
        action="case.llm_assist",
        object_type="case",
        object_id=key,
        after=after,
    )
