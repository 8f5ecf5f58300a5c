"""A realistic day of demo reports across every harm area (pure; deterministic for a seed)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from watchfloor.intake.schemas import (
    EvidenceIn,
    IdentifierIn,
    ReporterIn,
    ReporterKind,
    ReportIn,
    Sensitivity,
    SubjectIn,
)
from watchfloor.sim import fake_data as fake
from watchfloor.sim.demo_subjects import SubjectPool
from watchfloor.sim.demo_wording import wording
from watchfloor.sim.template_slots import Slots

P0_SHARE = 0.03
VAGUE_SHARE = 0.15  # of user reports: too vague for a phrase rule
FOREIGN_SHARE = 0.2  # of users in a region whose language the foreign wording covers
EVIDENCE_SHARE = 0.30
# How many users' reports carry their app's UI language rather than English.
LOCAL_LANGUAGE_SHARE: dict[str, float] = {
    "US": 0.06,
    "UK": 0.0,
    "EU": 0.45,
    "LATAM": 0.5,
    "APAC": 0.4,
    "MENA": 0.4,
    "AFRICA": 0.2,
}


@dataclass(frozen=True)
class DemoReport:
    """A generated report and the harm area it was written to belong to."""

    arrived_at: datetime
    report: ReportIn
    intended_area: str
    p0: bool


@dataclass
class _Plan:
    at: float
    area: str
    p0: bool
    kind: ReporterKind
    voice: str
    region: str


def generate_reports(
    count: int, *, start: datetime, end: datetime, seed: int = 7
) -> list[tuple[datetime, ReportIn]]:
    """`count` demo reports with arrival times between start and end (aware UTC), sorted by time."""
    labelled = generate_labelled_reports(count, start=start, end=end, seed=seed)
    return [(item.arrived_at, item.report) for item in labelled]


def generate_labelled_reports(
    count: int, *, start: datetime, end: datetime, seed: int = 7
) -> list[DemoReport]:
    """Like generate_reports, with the harm area each report was written for (ground truth)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start or count < 0:
        raise ValueError("need end after start and a count of zero or more")
    rng = random.Random(seed)
    maker = _Maker(rng)
    start_ts = start.timestamp()
    plans = [maker.plan(start_ts, end.timestamp() - start_ts) for _ in range(count)]
    plans.sort(key=lambda plan: plan.at)
    return [maker.report(plan, start) for plan in plans]


def _arrival(
    rng: random.Random, start_ts: float, span: float, curve: tuple[float, ...], offset: float
) -> float:
    # Rejection sampling against the local-hour curve keeps every region's day shape.
    ts = start_ts
    for _ in range(64):
        ts = start_ts + rng.random() * span
        if rng.random() < curve[int((ts / 3600.0 + offset) % 24)]:
            break
    return ts


class _Maker:
    """The day's state: who has been reported so far, who reported, each source's id counter."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = wording()
        self.subjects = SubjectPool(rng)
        self.counters: dict[str, int] = {}
        self.reporters: list[str] = []

    def plan(self, start_ts: float, span: float) -> _Plan:
        rng, words = self.rng, self.words
        p0 = rng.random() < P0_SHARE
        area = fake.pick(rng, words.p0_mix if p0 else words.area_mix)
        kind = fake.pick(rng, (words.p0_reporter_mix if p0 else words.reporter_mix)[area])
        voice: str = "user" if kind == "anonymous" else kind
        if kind == "detector":
            voices = (words.p0_templates if p0 else words.templates)[area]
            voice = rng.choice([v for v in voices if v.startswith("detector:")])
        region = fake.pick(rng, words.region_by_kind.get(kind, words.region_mix))
        # Emergencies do not keep office hours.
        curve = words.activity["machine" if p0 else words.curves[kind]]
        at = _arrival(rng, start_ts, span, curve, rng.choice(words.utc_offsets[region]))
        return _Plan(at, area, p0, kind, voice, region)

    def report(self, plan: _Plan, start: datetime) -> DemoReport:
        rng, words = self.rng, self.words
        arrived = max(start, datetime.fromtimestamp(plan.at, tz=UTC).replace(microsecond=0))
        subject = self.subjects.draw(plan.area)
        casual = plan.voice == "user"
        slots = Slots(rng, plan.region, arrived, dict(subject.slots))
        slots["who"] = subject.casual if casual else subject.formal
        if plan.p0 and plan.kind == "detector":
            slots["score"] = f"{rng.uniform(0.95, 0.99):.2f}"
        reporter_id = self.reporter_id(plan, slots)
        text, language = self.text(plan, slots)
        source = (
            fake.pick(rng, words.sources[plan.kind])
            if plan.kind in words.sources
            else ("api_abuse_monitor" if plan.voice.endswith("api-abuse-monitor") else plan.voice)
        )
        reported_at = arrived - timedelta(seconds=_delay(rng, plan.kind, source))
        report = ReportIn(
            source=source,
            external_id=self.external_id(source, arrived),
            text=text,
            reporter=ReporterIn(kind=plan.kind, id=reporter_id),
            subject=SubjectIn(
                kind=subject.kind,
                id=subject.id,
                display_name=subject.display_name,
                identifiers=[
                    IdentifierIn(kind=k, value=v)
                    for k, v in subject.identifiers
                    # Each user knows only part of what the platform knows about a subject.
                    if not casual or rng.random() < 0.7
                ],
            ),
            category=self.category(plan),
            region=plan.region,
            language=language,
            reported_at=reported_at,
            evidence=self.evidence(plan.area, slots, reported_at),
            metadata=self.metadata(plan, source, slots),
        )
        return DemoReport(arrived, report, plan.area, plan.p0)

    def text(self, plan: _Plan, slots: Slots) -> tuple[str, str]:
        rng, words = self.rng, self.words
        templates = (words.p0_templates if plan.p0 else words.templates)[plan.area][plan.voice]
        if plan.voice == "user" and not plan.p0:
            foreign = words.foreign_by_region.get(plan.region, {})
            langs = [lang for lang in foreign if plan.area in words.foreign[lang]]
            if langs and rng.random() < FOREIGN_SHARE:
                lang = rng.choice(langs)
                if lang == "pt-BR":  # Brazilians complain in reais, not pesos
                    slots.currencies = (("R$ ", 5),)
                return rng.choice(words.foreign[lang][plan.area]).format_map(slots), foreign[lang]
            if plan.area in words.vague and rng.random() < VAGUE_SHARE:
                templates = words.vague[plan.area]
        text = rng.choice(templates).format_map(slots)
        if plan.voice == "user":
            text = _typo(rng, text) if rng.random() < 0.12 else text
            if rng.random() < LOCAL_LANGUAGE_SHARE[plan.region]:
                return text, rng.choice(words.local_tags[plan.region])
        return text, rng.choice(words.english_tags[plan.region])

    def reporter_id(self, plan: _Plan, slots: Slots) -> str | None:
        rng, words = self.rng, self.words
        if plan.kind == "anonymous":
            return None
        if plan.kind == "user":
            # A few people report again the same day.
            if self.reporters and rng.random() < 0.06:
                return rng.choice(self.reporters)
            self.reporters.append(f"u-{rng.randrange(100_000, 1_000_000)}")
            return self.reporters[-1]
        if plan.kind == "detector":
            return plan.voice.split(":", 1)[1]
        if plan.kind == "trusted_flagger":
            slots["org"] = rng.choice(words.flaggers[plan.area])
            return "tf:" + fake.slug(slots["org"])
        if plan.kind == "law_enforcement":
            slots["agency"] = rng.choice(words.agencies[plan.region])
            return "le:" + fake.slug(slots["agency"])
        if plan.kind == "regulator":
            bodies = words.dpa_authorities if plan.area == "privacy" else words.dsa_authorities
            slots["authority"] = rng.choice(bodies)
            return "reg:" + fake.slug(slots["authority"])
        slots["team"] = rng.choice(words.teams[plan.area])
        return "int:" + fake.slug(slots["team"])

    def category(self, plan: _Plan) -> str | None:
        rng, words = self.rng, self.words
        if plan.kind in ("trusted_flagger", "detector"):
            return plan.area
        if plan.kind not in ("user", "anonymous"):
            return plan.area if rng.random() < 0.8 else None
        if rng.random() >= (0.6 if plan.kind == "user" else 0.4):
            return None
        if plan.area == "unclassified":
            return rng.choice(("harassment", "spam_manipulation", "hate", "fraud_scams"))
        return rng.choice(words.confusable[plan.area]) if rng.random() < 0.09 else plan.area

    def external_id(self, source: str, at: datetime) -> str:
        rng = self.rng
        # Each source numbers its own reports, starting wherever its counter happens to be.
        n = self.counters.get(source) or rng.randrange(1_000, 90_000)
        self.counters[source] = n + 1
        day = f"{at:%Y%m%d}"
        formats = {
            "in_app": f"ia-{day}-{n:06d}",
            "web_form": f"wf{day}{n:05d}",
            "email": f"<{day}.{n:05d}.{rng.getrandbits(32):08x}@inbound.example.com>",
            "trusted_flagger_portal": f"TFP-{day}-{n:05d}",
            "le_portal": f"LER-{at.year}-{n:05d}",
            "internal": f"ESC-{n}",
            "api_abuse_monitor": f"aam-{day}-{n:07d}",
        }
        return formats.get(source, f"{source.split(':')[-1]}-{day}-{n:07d}")

    def evidence(self, area: str, slots: Slots, reported_at: datetime) -> list[EvidenceIn]:
        rng, words = self.rng, self.words
        if rng.random() >= EVIDENCE_SHARE:
            return []
        items: list[EvidenceIn] = []
        for i in range(1 if rng.random() < 0.7 else 2):
            sensitivity = _sensitivity(rng, area)
            if area == "child_safety" or rng.random() < 0.55:
                text = rng.choice(words.excerpts[area]).format_map(slots)
                items.append(EvidenceIn(kind="text", text=text, sensitivity=sensitivity))
                continue
            items.append(
                EvidenceIn(
                    kind="file",
                    content_base64=fake.screenshot_base64(rng),
                    filename=f"screenshot_{reported_at:%Y%m%d_%H%M%S}{'_2' if i else ''}.png",
                    media_type="image/png",
                    sensitivity=sensitivity,
                )
            )
        return items

    def metadata(self, plan: _Plan, source: str, slots: Slots) -> dict[str, Any]:
        rng, words = self.rng, self.words
        if plan.kind == "detector":
            meta: dict[str, Any] = {
                "model": plan.voice.split(":", 1)[1],
                "score": float(slots["score"]),
                "threshold": rng.choice((0.8, 0.85, 0.9)),
            }
            if "rpm" in slots:
                meta["requests_per_min"] = int(slots["rpm"])
            return meta
        if plan.kind == "law_enforcement":
            meta = {
                "agency": slots["agency"],
                "case_number": slots["case"],
                "legal_basis": slots["basis"],
            }
            return {**meta, "emergency": True, "callback": slots["callback"]} if plan.p0 else meta
        if plan.kind == "regulator":
            return {"authority": slots["authority"], "reference": slots["ref"]}
        if plan.kind == "trusted_flagger":
            return {"flagger_org": slots["org"], "notice_ref": slots["ref"]}
        if plan.kind == "internal":
            return {"team": slots["team"], "escalated_via": rng.choice(("slack", "ticket", "page"))}
        if source == "in_app":
            return {
                "app_version": rng.choice(words.app_versions),
                "platform": rng.choice(("ios", "android", "web")),
                "surface": rng.choice(words.surfaces),
            }
        if source == "web_form":
            return {"form": "report-abuse", "browser": rng.choice(words.browsers)}
        return {"mailbox": "abuse@example.com"}


def _delay(rng: random.Random, kind: ReporterKind, source: str) -> float:
    """Seconds between the reporter reporting and intake receiving it."""
    if kind == "detector":
        return rng.uniform(0.5, 30)
    if source == "email":
        return rng.uniform(600, 12 * 3600)
    if kind in ("user", "anonymous"):
        return rng.expovariate(1 / 90) if rng.random() < 0.9 else rng.uniform(1800, 6 * 3600)
    return rng.uniform(60, 3 * 3600)


def _sensitivity(rng: random.Random, area: str) -> Sensitivity:
    if area in wording().graphic_areas:
        return "graphic" if rng.random() < 0.5 else "sensitive"
    if area in ("harassment", "hate", "privacy"):
        return "sensitive" if rng.random() < 0.5 else "none"
    return "none"


def _typo(rng: random.Random, text: str) -> str:
    """Swap two letters in one plain word, as thumbs on a phone do."""
    words = text.split(" ")
    # Lowercase words only: names, brands and handles stay intact.
    plain = [
        i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha() and word.islower()
    ]
    if not plain:
        return text
    i = rng.choice(plain)
    j = rng.randrange(1, len(words[i]) - 2)
    word = words[i]
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
