"""Nobody qualified on shift (pure): can anyone on shift take a waiting urgent case, and if not,
what is missing, said so the lead can act on it.

The rule mirrors how `next` chooses (queues/service.py ``qualifications``): a person may take a
case when its harm area is among their skills (no skills: any area) and, when the case has a
language, they read it (no languages: any; 'pt' reads 'pt-BR'). Load limits (open cases, the
graphic budget) are left out on purpose: someone busy can still be asked to take it; nobody able
to read it cannot.

``CoverageRule`` is the ``coverage`` key of config/escalation.yaml; who counts as on shift is
defined there (see its docstring) and gathered in coverage_gaps.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from watchfloor.configfile import parse_duration

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
PriorityLabel = Literal["P0", "P1", "P2", "P3"]
ScheduleName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]

# Names for the languages triage recognises, so a page says "in German", not "in de".
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}


class CoverageRule(BaseModel):
    """When a waiting urgent case nobody on shift may take pages the lead on shift.

    An analyst is on shift when they are an active user with one of ``roles`` and either used
    the console within ``signed_in_within`` (their sign-in is live: presence, not a plan) or are
    on call now on one of ``shift_schedules`` (the rota: its regional layers are the working
    hours). Either source may be switched off (null, or an empty list).
    """

    model_config = ConfigDict(extra="forbid")
    priorities: list[PriorityLabel] = Field(
        default_factory=lambda: list[PriorityLabel](["P0", "P1"]),
        description="priorities whose gaps page",
    )
    page_within: Duration = Field(
        default=timedelta(hours=2),
        description="page once the first action is due within this (at once if less is left)",
    )
    signed_in_within: Duration | None = Field(
        default=timedelta(minutes=30),
        description="a console sign-in used this recently puts its owner on shift; null: never",
    )
    shift_schedules: list[ScheduleName] = Field(
        default_factory=list, description="whoever is on call now on these is on shift"
    )
    roles: list[Literal["analyst", "lead", "legal"]] = Field(
        default_factory=lambda: list[Literal["analyst", "lead", "legal"]](["analyst", "lead"]),
        description="roles whose people count as on shift (of those who work cases)",
    )
    batch: int = Field(default=200, ge=1, le=5000, description="cases looked at per run")


@dataclass(frozen=True)
class Needs:
    """What a waiting case asks of whoever takes it."""

    case_key: str
    priority: str  # P0..P3
    harm_area: str
    language: str | None
    queue: str
    first_action_due_at: datetime


@dataclass(frozen=True)
class OnShift:
    """Someone on shift and what they may take: harm areas and languages (empty: any)."""

    username: str
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoverageGap:
    """A waiting case nobody on shift may take, and who on shift has half of what it needs."""

    needs: Needs
    on_shift: tuple[str, ...]
    readers: tuple[str, ...]  # on shift and read its language (everyone when it has none)
    holders: tuple[str, ...]  # on shift and hold its harm area
    summary: str


def reads(person: OnShift, language: str | None) -> bool:
    """Whether ``person`` reads ``language``, as `next` decides ('pt' reads 'pt-BR')."""
    if language is None or not person.languages:
        return True
    lang = language.lower()
    return any(lang == tag or lang.startswith(f"{tag}-") for tag in person.languages)


def holds(person: OnShift, harm_area: str) -> bool:
    """Whether ``person`` may work ``harm_area`` (no skills set: any area)."""
    return not person.skills or harm_area in person.skills


def can_take(person: OnShift, needs: Needs) -> bool:
    return holds(person, needs.harm_area) and reads(person, needs.language)


def language_name(language: str) -> str:
    """'German' for 'de' or 'de-AT'; the tag itself for a language without a name here."""
    return LANGUAGE_NAMES.get(language.lower().split("-")[0], language)


def gap(needs: Needs, on_shift: Sequence[OnShift]) -> CoverageGap | None:
    """None when someone on shift may take the case; else what is missing."""
    if any(can_take(p, needs) for p in on_shift):
        return None
    readers = tuple(p.username for p in on_shift if reads(p, needs.language))
    holders = tuple(p.username for p in on_shift if holds(p, needs.harm_area))
    return CoverageGap(
        needs=needs,
        on_shift=tuple(p.username for p in on_shift),
        readers=readers,
        holders=holders,
        summary=summary(needs, readers=readers, holders=holders, anyone=bool(on_shift)),
    )


def _missing(needs: Needs, readers: Sequence[str], holders: Sequence[str], anyone: bool) -> str:
    if not anyone:
        return "nobody is on shift"
    lang, area = needs.language, needs.harm_area
    if lang is None or (readers and not holders):
        return f"nobody on shift holds {area}"
    if holders and not readers:
        return f"nobody on shift reads {lang}"
    if not readers and not holders:
        return f"nobody on shift reads {lang} or holds {area}"
    return (
        f"nobody on shift both reads {lang} and holds {area} "
        f"({lang}: {', '.join(readers)}; {area}: {', '.join(holders)})"
    )


def summary(needs: Needs, *, readers: Sequence[str], holders: Sequence[str], anyone: bool) -> str:
    """'P0 self_harm in German (CASE-000042): nobody on shift reads de or holds self_harm;
    first action due 08:40 UTC'."""
    tongue = f" in {language_name(needs.language)}" if needs.language else ""
    due = needs.first_action_due_at.astimezone(UTC).strftime("%H:%M UTC")
    return (
        f"{needs.priority} {needs.harm_area}{tongue} ({needs.case_key}): "
        f"{_missing(needs, readers, holders, anyone)}; first action due {due}"
    )
