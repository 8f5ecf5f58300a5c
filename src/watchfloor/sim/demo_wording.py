"""The demo reports' wording and mix, read from demo_wording.yaml on first use (see that file)."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from watchfloor.configfile import load_yaml_model
from watchfloor.intake.schemas import ReporterKind, SubjectKind

WORDING_FILE = Path(__file__).with_name("demo_wording.yaml")

Texts = tuple[str, ...]
HOURS_PER_DAY = 24


class Wording(BaseModel):
    """demo_wording.yaml, validated: templates, word lists and the weights of the day's mix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Texts by harm area (then by voice, or by language first for foreign).
    templates: dict[str, dict[str, Texts]]
    p0_templates: dict[str, dict[str, Texts]]
    vague: dict[str, Texts]
    foreign: dict[str, dict[str, Texts]]
    excerpts: dict[str, Texts]

    # Word lists for the slots.
    first_names: Texts
    surnames: Texts
    handle_a: Texts
    handle_b: Texts
    brands: Texts
    products: Texts
    items: Texts
    coins: Texts
    apps: Texts
    games: Texts
    group_names: Texts
    group_targets: Texts
    places: Texts
    content_nouns: dict[str, str]
    org_names: Texts
    months: Texts
    when: Texts
    since: Texts
    url_words: Texts
    example_domains: Texts
    cities: dict[str, Texts]
    currencies: dict[str, tuple[tuple[str, int], ...]]
    agencies: dict[str, Texts]
    legal_bases: dict[str, Texts]
    default_legal_bases: Texts
    dsa_authorities: Texts
    dpa_authorities: Texts
    flaggers: dict[str, Texts]
    teams: dict[str, Texts]
    english_tags: dict[str, Texts]
    local_tags: dict[str, Texts]
    foreign_by_region: dict[str, dict[str, str]]
    app_versions: Texts
    surfaces: Texts
    browsers: Texts

    # The day's mix.
    area_mix: dict[str, float]
    p0_mix: dict[str, float]
    reporter_mix: dict[str, dict[ReporterKind, int]]
    p0_reporter_mix: dict[str, dict[ReporterKind, int]]
    subject_mix: dict[str, dict[SubjectKind, int]]
    reuse: dict[str, float]
    reuse_from: dict[str, dict[str, int]]
    confusable: dict[str, Texts]
    graphic_areas: frozenset[str]
    region_mix: dict[str, int]
    region_by_kind: dict[ReporterKind, dict[str, int]]
    utc_offsets: dict[str, tuple[float, ...]]
    activity: dict[str, tuple[float, ...]]
    curves: dict[ReporterKind, str]
    sources: dict[ReporterKind, dict[str, int]]

    @field_validator("activity")
    @classmethod
    def _add_machine_curve(
        cls, curves: dict[str, tuple[float, ...]]
    ) -> dict[str, tuple[float, ...]]:
        # Derived rather than written out, so the two curves cannot drift apart.
        if "people" not in curves:
            raise ValueError("needs a people curve (the machine curve is made from it)")
        return {**curves, "machine": tuple(0.6 + 0.4 * p for p in curves["people"])}

    @model_validator(mode="after")
    def _check_curves(self) -> Wording:
        # A short curve would only fail mid-generation, on the first report that hits the gap.
        for name, curve in self.activity.items():
            if len(curve) != HOURS_PER_DAY:
                raise ValueError(f"activity.{name} has {len(curve)} hours, not {HOURS_PER_DAY}")
        unknown = sorted(set(self.curves.values()) - set(self.activity))
        if unknown:
            raise ValueError(f"curves names unknown activity curves: {', '.join(unknown)}")
        return self


@functools.cache
def wording() -> Wording:
    """The demo wording, read and validated once, on first use."""
    return load_yaml_model(WORDING_FILE, Wording)
