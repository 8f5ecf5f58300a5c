"""A realistic day of demo reports across every harm area (pure; deterministic for a seed)."""

from __future__ import annotations

import base64
import functools
import random
import re
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from watchfloor.intake.schemas import (
    EvidenceIn,
    IdentifierIn,
    ReporterIn,
    ReporterKind,
    ReportIn,
    Sensitivity,
    SubjectIn,
    SubjectKind,
)
from watchfloor.sim import demo_wording as w

T = TypeVar("T")

P0_SHARE = 0.03
VAGUE_SHARE = 0.15  # of user reports: too vague for a phrase rule
FOREIGN_SHARE = 0.2  # of users in a region whose language FOREIGN has wording for
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

MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.test")
_ALNUM = "abcdefghijkmnpqrstuvwxyz23456789"
_COLOURS = ((231, 76, 60), (52, 152, 219), (46, 204, 113), (241, 196, 15), (155, 89, 182))


@dataclass(frozen=True)
class DemoReport:
    """A generated report and the harm area it was written to belong to."""

    arrived_at: datetime
    report: ReportIn
    intended_area: str
    p0: bool


@dataclass
class _Subject:
    kind: SubjectKind
    id: str
    display_name: str | None
    casual: str  # how a user names it
    formal: str  # how a system or an official names it
    handle: str  # the account behind it
    identifiers: list[tuple[str, str]]
    slots: dict[str, str] = field(default_factory=dict)


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


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


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


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _token(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(size))


def _handle(rng: random.Random) -> str:
    digits = rng.choice(("", "", str(rng.randint(1, 99)), str(rng.randint(1985, 2011))))
    return f"{rng.choice(w.HANDLE_A)}{rng.choice(('', '.', '_'))}{rng.choice(w.HANDLE_B)}{digits}"


def _ip(rng: random.Random) -> str:
    return f"{rng.choice(('203.0.113', '198.51.100'))}.{rng.randint(1, 254)}"


def _phone(rng: random.Random) -> str:
    # Numbers reserved for fiction: 555-01xx (North America) and 020 7946 0xxx (UK).
    if rng.random() < 0.7:
        return f"+1-555-01{rng.randint(0, 99):02d}"
    return f"+44-20-7946-0{rng.randint(0, 999):03d}"


def _url(rng: random.Random, scammy: bool) -> str:
    domain = rng.choice(w.EXAMPLE_DOMAINS)
    if not scammy:
        host = f"{rng.choice(('files', 'media', 'share', 'cdn', 'forum'))}.{domain}"
        return f"https://{host}/{_token(rng, 8)}"
    word, word2 = rng.choice(w.URL_WORDS), rng.choice(w.URL_WORDS)
    brand = _slug(rng.choice(w.BRANDS).split()[0])
    host = rng.choice(
        (f"{brand}-{word}.{domain}", f"{word}-{word2}.test", f"{word}.{brand}-{word2}.test")
    )
    path = rng.choice(
        ("login", "claim", "verify", f"p/{_token(rng, 6)}", f"promo?id={rng.randint(100, 99999)}")
    )
    return f"https://{host}/{path}"


def _money(s: _Slots) -> str:
    symbol, rate = s.rng.choice(s.currencies)
    amount = s.rng.choice((20, 35, 50, 80, 120, 150, 250, 400, 600, 900, 1200, 2500, 5000))
    return f"{symbol}{amount * rate:,}"


class _Slots(dict[str, str]):
    """Template values, made on first use and then kept so a text names one thing one way."""

    def __init__(self, rng: random.Random, region: str, at: datetime, values: dict[str, str]):
        super().__init__(values)
        self.rng, self.region, self.at = rng, region, at
        self.currencies = w.CURRENCIES[region]

    def __missing__(self, key: str) -> str:
        value = _MAKERS[key](self)
        self[key] = value
        return value


_MAKERS: dict[str, Callable[[_Slots], str]] = {
    "handle": lambda s: "@" + _handle(s.rng),
    "name": lambda s: s.rng.choice(w.FIRST_NAMES),
    "money": _money,
    "pct": lambda s: str(s.rng.choice((5, 8, 10, 12, 15, 20, 30, 40))),
    "coin": lambda s: s.rng.choice(w.COINS),
    "url": lambda s: _url(s.rng, scammy=True),
    "link": lambda s: _url(s.rng, scammy=False),
    "email": lambda s: (
        f"{s.rng.choice(w.URL_WORDS)}.{_token(s.rng, 4)}@{s.rng.choice(MAIL_DOMAINS)}"
    ),
    "brand": lambda s: s.rng.choice(w.BRANDS),
    "product": lambda s: s.rng.choice(w.PRODUCTS),
    "item": lambda s: s.rng.choice(w.ITEMS),
    "app": lambda s: s.rng.choice(w.APPS),
    "game": lambda s: s.rng.choice(w.GAMES),
    "group_name": lambda s: s.rng.choice(w.GROUP_NAMES),
    "group_target": lambda s: s.rng.choice(w.GROUP_TARGETS),
    "place": lambda s: s.rng.choice(w.PLACES),
    "month": lambda s: s.rng.choice(w.MONTHS),
    "when": lambda s: s.rng.choice(w.WHEN),
    "since": lambda s: s.rng.choice(w.SINCE),
    "key": lambda s: f"key_live_FAKE{s.rng.getrandbits(40):010x}",
    "ip": lambda s: _ip(s.rng),
    "rpm": lambda s: str(s.rng.randrange(1200, 20000, 100)),
    "limit": lambda s: str(s.rng.choice((600, 1000, 1200))),
    "n": lambda s: str(s.rng.randint(3, 60)),
    "city": lambda s: s.rng.choice(w.CITIES[s.region]),
    "time": lambda s: (
        f"{s.rng.randint(1, 12)}:{s.rng.randrange(0, 60, 5):02d}{s.rng.choice(('am', 'pm'))}"
    ),
    "score": lambda s: f"{s.rng.uniform(0.8, 0.99):.2f}",
    "ref": lambda s: (
        f"{s.rng.choice(('TF', 'NT', 'REF'))}-{s.at.year}-{s.rng.randint(1000, 99999):05d}"
    ),
    "case": lambda s: (
        f"{s.at.year}-{s.rng.choice(('CY', 'FR', 'HM', 'MP'))}-{s.rng.randint(100, 99999):05d}"
    ),
    "officer": lambda s: (
        f"{s.rng.choice(('Det.', 'Officer', 'DC', 'Sgt.', 'Insp.'))} "
        f"{s.rng.choice(w.FIRST_NAMES)[0]}. {s.rng.choice(w.SURNAMES)}"
    ),
    "basis": lambda s: s.rng.choice(w.LEGAL_BASES.get(s.region, w.DEFAULT_LEGAL_BASES)),
    "date": lambda s: (s.at - timedelta(days=s.rng.randint(1, 20))).date().isoformat(),
    "conv": lambda s: f"conv_{s.rng.getrandbits(40):010x}",
    "pf": lambda s: f"pf_{s.rng.getrandbits(64):016x}",
    "slug": lambda s: f"{s.rng.choice(w.HANDLE_B)}-{s.rng.getrandbits(24):06x}",
    "callback": lambda s: _phone(s.rng),
}


@functools.cache
def _png_base64(rgb: tuple[int, int, int], size: int = 8) -> str:
    """A tiny solid-colour PNG, so file evidence has real bytes without shipping any images."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
    return base64.b64encode(png + chunk(b"IEND", b"")).decode("ascii")


class _Maker:
    """The day's state: who has been reported so far, fraud rings, bot networks, id counters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # One entry per report, so a subject comes back in proportion to how often it already has.
        self.tickets: dict[str, list[_Subject]] = {}
        self.taken: set[str] = set()
        self.counters: dict[str, int] = {}
        self.reporters: list[str] = []
        self.rings = [
            {
                "domain": domain,
                "pf": f"pf_{rng.getrandbits(64):016x}",
                "device": f"dev-{rng.getrandbits(48):012x}",
            }
            for domain in ("payout-desk.test", "refund-helpdesk.test", "vista-yield.example.net")
        ]
        self.botnets = [(_ip(rng), f"dev-{rng.getrandbits(48):012x}") for _ in range(2)]

    def plan(self, start_ts: float, span: float) -> _Plan:
        rng = self.rng
        p0 = rng.random() < P0_SHARE
        area = _pick(rng, w.P0_MIX if p0 else w.AREA_MIX)
        kind = _pick(rng, (w.P0_REPORTER_MIX if p0 else w.REPORTER_MIX)[area])
        voice: str = "user" if kind == "anonymous" else kind
        if kind == "detector":
            voices = (w.P0_TEMPLATES if p0 else w.TEMPLATES)[area]
            voice = rng.choice([v for v in voices if v.startswith("detector:")])
        region = _pick(rng, w.REGION_BY_KIND.get(kind, w.REGION_MIX))
        # Emergencies do not keep office hours.
        curve = w.MACHINE_ACTIVITY if p0 else w.CURVES[kind]
        at = _arrival(rng, start_ts, span, curve, rng.choice(w.UTC_OFFSETS[region]))
        return _Plan(at, area, p0, kind, voice, region)

    def report(self, plan: _Plan, start: datetime) -> DemoReport:
        rng = self.rng
        arrived = max(start, datetime.fromtimestamp(plan.at, tz=UTC).replace(microsecond=0))
        subject = self.subject(plan.area)
        casual = plan.voice == "user"
        slots = _Slots(rng, plan.region, arrived, dict(subject.slots))
        slots["who"] = subject.casual if casual else subject.formal
        if plan.p0 and plan.kind == "detector":
            slots["score"] = f"{rng.uniform(0.95, 0.99):.2f}"
        reporter_id = self.reporter_id(plan, slots)
        text, language = self.text(plan, slots)
        source = (
            _pick(rng, w.SOURCES[plan.kind])
            if plan.kind in w.SOURCES
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

    def text(self, plan: _Plan, slots: _Slots) -> tuple[str, str]:
        rng = self.rng
        templates = (w.P0_TEMPLATES if plan.p0 else w.TEMPLATES)[plan.area][plan.voice]
        if plan.voice == "user" and not plan.p0:
            foreign = w.FOREIGN_BY_REGION.get(plan.region, {})
            langs = [lang for lang in foreign if plan.area in w.FOREIGN[lang]]
            if langs and rng.random() < FOREIGN_SHARE:
                lang = rng.choice(langs)
                if lang == "pt-BR":  # Brazilians complain in reais, not pesos
                    slots.currencies = (("R$ ", 5),)
                return rng.choice(w.FOREIGN[lang][plan.area]).format_map(slots), foreign[lang]
            if plan.area in w.VAGUE and rng.random() < VAGUE_SHARE:
                templates = w.VAGUE[plan.area]
        text = rng.choice(templates).format_map(slots)
        if plan.voice == "user":
            text = _typo(rng, text) if rng.random() < 0.12 else text
            if rng.random() < LOCAL_LANGUAGE_SHARE[plan.region]:
                return text, rng.choice(w.LOCAL_TAGS[plan.region])
        return text, rng.choice(w.ENGLISH_TAGS[plan.region])

    def subject(self, area: str) -> _Subject:
        rng = self.rng
        subject: _Subject | None = None
        if rng.random() < w.REUSE[area]:
            sources = w.REUSE_FROM.get(area, {area: 1})
            pools = {a: n for a, n in sources.items() if self.tickets.get(a)}
            if pools:
                subject = rng.choice(self.tickets[_pick(rng, pools)])
        if subject is None:
            subject = self.new_subject(area)
        self.tickets.setdefault(area, []).append(subject)
        return subject

    def uid(self, prefix: str, size: int) -> str:
        while (value := prefix + _token(self.rng, size)) in self.taken:
            pass
        self.taken.add(value)
        return value

    def new_subject(self, area: str) -> _Subject:
        rng = self.rng
        kind = _pick(rng, w.SUBJECT_MIX[area])
        handle = _handle(rng)
        at = f"@{handle}"
        scammy = area in ("fraud_scams", "spam_manipulation")
        if kind == "account":
            sid = self.uid("acct_", 5)
            ids = self.contact_ids(area, handle)
            return _Subject(kind, sid, handle, at, f"{sid} ({at})", at, ids, _slots_from(ids))
        if kind == "content":
            prefix = rng.choice(tuple(w.CONTENT_NOUNS))
            noun = w.CONTENT_NOUNS[prefix]
            sid, author = self.uid(prefix + "_", 10), self.author(area)
            at = author.casual if author else at
            owner = author.id if author else self.uid("acct_", 5)
            return _Subject(
                kind,
                sid,
                f"{noun} by {at}",
                f"this {noun} by {at}",
                f"{sid} by {at}",
                at,
                [("author_account", owner)],
            )
        if kind == "group":
            name, sid = rng.choice(w.GROUP_NAMES), self.uid("grp_", 6)
            return _Subject(
                kind,
                sid,
                name,
                f'the group "{name}"',
                f'{sid} ("{name}")',
                at,
                [("owner_account", self.uid("acct_", 5))],
                {"group_name": name},
            )
        if kind == "url":
            while (url := _url(rng, scammy)) in self.taken:
                pass
            self.taken.add(url)
            host = url.split("/")[2]
            ids = [("domain", host)] + ([("ip", _ip(rng))] if rng.random() < 0.5 else [])
            values = {"url": url, "link": url, **_slots_from(ids)}
            return _Subject(kind, url, host, url, url, at, ids, values)
        if kind == "app":
            name, sid = rng.choice(w.APPS), self.uid("app_", 6)
            ids = [
                ("client_id", f"cli_{rng.getrandbits(48):012x}"),
                ("developer_email", f"dev.{handle.replace('.', '')}@example.com"),
            ]
            return _Subject(
                kind, sid, name, f'the app "{name}"', f"{sid} ({name})", at, ids, {"app": name}
            )
        if kind == "api_key":
            sid, app = self.uid("key_live_FAKE", 12), rng.choice(w.APPS)
            ids = [("app_id", self.uid("app_", 6)), ("ip", _ip(rng))]
            return _Subject(
                kind,
                sid,
                f"live key ...{sid[-4:]} ({app})",
                f"key {sid}",
                sid,
                at,
                ids,
                {"key": sid, "app": app, **_slots_from(ids)},
            )
        if kind == "organisation":
            name, sid = rng.choice(w.ORG_NAMES), self.uid("org_", 6)
            domain = f"{_slug(name)}.{rng.choice(('example.net', 'test'))}"
            ids = [("domain", domain), ("email", f"info@{domain}"), ("phone", _phone(rng))]
            ids += self.ring_ids(area, with_email=False)
            return _Subject(kind, sid, name, name, f"{name} ({sid})", at, ids, _slots_from(ids))
        if kind == "email":
            ring = self.ring_ids(area, with_email=True)
            local = f"{rng.choice(w.URL_WORDS)}.{_token(rng, 4)}"
            address = dict(ring).get("email") or f"{local}@{rng.choice(MAIL_DOMAINS)}"
            ids = [("domain", address.split("@")[1])] + [i for i in ring if i[0] != "email"]
            return _Subject(
                kind,
                address,
                None,
                address,
                address,
                at,
                ids,
                {"email": address, **_slots_from(ids)},
            )
        number = _phone(rng)
        return _Subject(kind, number, None, number, number, at, self.ring_ids(area, False))

    def author(self, area: str) -> _Subject | None:
        # Content is often by an account that was itself reported: the case should link them.
        accounts = [s for s in self.tickets.get(area, [])[-200:] if s.kind == "account"]
        return self.rng.choice(accounts) if accounts and self.rng.random() < 0.3 else None

    def contact_ids(self, area: str, handle: str) -> list[tuple[str, str]]:
        rng = self.rng
        ids: list[tuple[str, str]] = []
        if rng.random() < 0.5:
            ids.append(("email", f"{handle.replace('.', '')}@{rng.choice(MAIL_DOMAINS)}"))
        if rng.random() < 0.2:
            ids.append(("phone", _phone(rng)))
        if rng.random() < 0.35:
            ids.append(("ip", _ip(rng)))
        if rng.random() < 0.25:
            ids.append(("device_id", f"dev-{rng.getrandbits(48):012x}"))
        ring = self.ring_ids(area, with_email=True)
        if ring:
            ids = [i for i in ids if i[0] != "email"] + ring
        if area == "spam_manipulation" and rng.random() < 0.4:
            ip, device = rng.choice(self.botnets)
            ids = [i for i in ids if i[0] not in ("ip", "device_id")]
            ids += [("ip", ip), ("device_id", device)]
        return ids

    def ring_ids(self, area: str, with_email: bool) -> list[tuple[str, str]]:
        """Identifiers shared by a fraud ring, for some of the fraud subjects."""
        rng = self.rng
        if area != "fraud_scams" or rng.random() >= 0.45:
            return []
        ring = rng.choice(self.rings)
        ids = [("payment_fingerprint", ring["pf"])]
        if with_email:
            ids.append(("email", f"{rng.choice(w.URL_WORDS)}.{_token(rng, 3)}@{ring['domain']}"))
        if rng.random() < 0.5:
            ids.append(("device_id", ring["device"]))
        return ids

    def reporter_id(self, plan: _Plan, slots: _Slots) -> str | None:
        rng = self.rng
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
            slots["org"] = rng.choice(w.FLAGGERS[plan.area])
            return "tf:" + _slug(slots["org"])
        if plan.kind == "law_enforcement":
            slots["agency"] = rng.choice(w.AGENCIES[plan.region])
            return "le:" + _slug(slots["agency"])
        if plan.kind == "regulator":
            bodies = w.DPA_AUTHORITIES if plan.area == "privacy" else w.DSA_AUTHORITIES
            slots["authority"] = rng.choice(bodies)
            return "reg:" + _slug(slots["authority"])
        slots["team"] = rng.choice(w.TEAMS[plan.area])
        return "int:" + _slug(slots["team"])

    def category(self, plan: _Plan) -> str | None:
        rng = self.rng
        if plan.kind in ("trusted_flagger", "detector"):
            return plan.area
        if plan.kind not in ("user", "anonymous"):
            return plan.area if rng.random() < 0.8 else None
        if rng.random() >= (0.6 if plan.kind == "user" else 0.4):
            return None
        if plan.area == "unclassified":
            return rng.choice(("harassment", "spam_manipulation", "hate", "fraud_scams"))
        return rng.choice(w.CONFUSABLE[plan.area]) if rng.random() < 0.09 else plan.area

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

    def evidence(self, area: str, slots: _Slots, reported_at: datetime) -> list[EvidenceIn]:
        rng = self.rng
        if rng.random() >= EVIDENCE_SHARE:
            return []
        items: list[EvidenceIn] = []
        for i in range(1 if rng.random() < 0.7 else 2):
            sensitivity = _sensitivity(rng, area)
            if area == "child_safety" or rng.random() < 0.55:
                text = rng.choice(w.EXCERPTS[area]).format_map(slots)
                items.append(EvidenceIn(kind="text", text=text, sensitivity=sensitivity))
                continue
            items.append(
                EvidenceIn(
                    kind="file",
                    content_base64=_png_base64(rng.choice(_COLOURS), rng.choice((8, 16))),
                    filename=f"screenshot_{reported_at:%Y%m%d_%H%M%S}{'_2' if i else ''}.png",
                    media_type="image/png",
                    sensitivity=sensitivity,
                )
            )
        return items

    def metadata(self, plan: _Plan, source: str, slots: _Slots) -> dict[str, Any]:
        rng = self.rng
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
                "app_version": rng.choice(w.APP_VERSIONS),
                "platform": rng.choice(("ios", "android", "web")),
                "surface": rng.choice(w.SURFACES),
            }
        if source == "web_form":
            return {"form": "report-abuse", "browser": rng.choice(w.BROWSERS)}
        return {"mailbox": "abuse@example.com"}


def _slots_from(ids: list[tuple[str, str]]) -> dict[str, str]:
    """Template values a subject's identifiers fix (its e-mail, IP, payment fingerprint)."""
    names = {"email": "email", "ip": "ip", "payment_fingerprint": "pf"}
    return {names[k]: v for k, v in ids if k in names}


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
    if area in w.GRAPHIC_AREAS:
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
