"""The generated traffic of bench/insights.py: a month with a weekly rhythm, planted spikes and
planted campaigns (see that file's docstring for what is planted and why)."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from watchfloor.insights.clusters import ReportRecord
from watchfloor.insights.spikes import HOUR
from watchfloor.intake.schemas import IdentifierIn, SubjectIn
from watchfloor.sim.demo_reports import DemoReport, generate_labelled_reports
from watchfloor.sim.demo_wording import wording
from watchfloor.triage.linking import minhash
from watchfloor.triage.linking.identifiers import FREE_MAIL_DOMAINS

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
WEEKDAY_FACTOR = (1.0, 1.0, 0.97, 0.97, 0.93, 0.72, 0.68)
SURGE_HOURS = range(6, 11)
LURES = (
    "Congratulations {name}! Your {brand} account was selected for a loyalty reward of {money}. "
    "Claim it before midnight at {url} or it expires",
    "Your {brand} parcel could not be delivered. Pay the {money} redelivery fee within 24 hours "
    "at {url} to book a new slot",
    "I turned {money} into {money2} in a week with {coin} signals, guaranteed {pct}% daily "
    "profit, join my private group {url} spots are limited",
    "{brand} security alert: we detected an unusual login on your account. Verify your identity "
    "now at {url} or your account will be suspended in 12 hours",
    "Remote job offer: earn {money} per day liking videos from home, no experience needed. "
    "Contact our HR manager on WhatsApp {phone} to start today",
    "Make {money} a day from home with the {product} method. No experience needed, DM me or "
    "join the free webinar at {url}",
)
QUOTES = (
    "got this DM: '{lure}'",
    "scam message from {handle}: {lure}",
    "{lure}",
    "this account sent me '{lure}' is this real?",
    "another one of these going around: {lure}",
    "my mum got this: {lure}. please remove",
)
PARAPHRASES = (
    "fake {brand} message going around with the link {url}, scam",
    "{handle} keeps sending people {url} pretending to be {brand}",
    "beware {url} its a scam, they took {money} from my friend",
)


@dataclass
class Planted:
    kind: str  # "area", "source", "buildup" or a campaign profile
    key: str  # harm area or source; for a campaign, its area
    start: datetime
    end: datetime
    ids: set[int]
    found_at: datetime | None = None


@dataclass
class Month:
    records: list[ReportRecord]
    sources: dict[int, str]
    since: datetime
    eval_start: datetime
    end: datetime
    spikes: list[Planted]
    campaigns: list[Planted]


def build_month(seed: int, history: int, weeks: int, per_day: int) -> Month:
    rng = random.Random(seed)
    areas = list(wording().area_mix)
    demo: list[tuple[DemoReport, str]] = []  # report, label (planted event or "")
    days = (history + weeks) * 7
    eval_start = START + history * 7 * DAY
    # One generation for the whole span, so fraud rings and botnets persist across days as they
    # do in life; the weekly rhythm is laid on by keeping each report with a probability.
    day_factor = [WEEKDAY_FACTOR[d % 7] * rng.lognormvariate(0, 0.06) for d in range(days)]
    area_factor = [{a: rng.lognormvariate(0, 0.1) for a in areas} for _ in range(days)]
    most = 1.6
    pool = generate_labelled_reports(
        int(per_day * days * most), start=START, end=START + days * DAY, seed=rng.getrandbits(32)
    )
    for item in pool:
        d = (item.arrived_at - START) // DAY
        surge = 1.5 if d % 7 == 0 and item.arrived_at.hour in SURGE_HOURS else 1.0
        keep = day_factor[d] * area_factor[d][item.intended_area] * surge / most
        if rng.random() < keep:
            demo.append((item, ""))
    spikes, campaigns = [], []
    rings = _ring_values(pool)
    for week in range(weeks):
        w0 = eval_start + week * 7 * DAY
        for kind in ("area", "source", "buildup"):
            spikes.append(_plant_spike(rng, kind, w0, per_day, areas, demo, rings))
        for _ in range(3):
            campaigns.append(_plant_campaign(rng, w0, demo))
    demo.sort(key=lambda x: x[0].arrived_at)
    records, sources = [], {}
    events = {id(p): p for p in spikes + campaigns}
    case_keys: dict[tuple[str, str], str] = {}
    for i, (item, label) in enumerate(demo, start=1):
        r = item.report
        if label:
            events[int(label)].ids.add(i)
        campaign = bool(label) and events[int(label)] in campaigns
        held = tuple(subjects(item, campaign=campaign))
        case = case_keys.setdefault(
            (r.subject.id, item.intended_area), f"CASE-{len(case_keys) + 1:06d}"
        )
        records.append(ReportRecord(i, item.arrived_at, r.text, held, item.intended_area, case))
        sources[i] = r.source
    signed = [replace(r, signature=minhash.signature(r.text) or b"") for r in records]
    end = START + days * DAY
    return Month(signed, sources, START, eval_start, end, spikes, campaigns)


def subjects(item: DemoReport, *, campaign: bool = False) -> list[str]:
    subject = item.report.subject
    out = [f"{subject.kind}:{subject.id}"]
    for ident in subject.identifiers:
        # The generator draws IPs from two documentation /24s and domains from example.*, so
        # those collide by chance far more than real ones would: they would join strangers.
        if ident.kind in ("ip", "author_account", "owner_account"):
            continue
        domain = ident.value.rsplit("@", 1)[-1].lower()
        if domain in FREE_MAIL_DOMAINS or domain.startswith(("example.", "mail.test")):
            continue
        # Phones come from the 100 numbers 555-01xx reserved for fiction (and 1000 UK ones), so
        # strangers share them by chance: each subject's number is made its own. A campaign's
        # phone is its planted shared one.
        value = ident.value if campaign or ident.kind != "phone" else f"{ident.value}#{subject.id}"
        out.append(f"{ident.kind}:{value}")
    return out


def _plant_spike(
    rng: random.Random,
    kind: str,
    w0: datetime,
    per_day: int,
    areas: list[str],
    demo: list[tuple[DemoReport, str]],
    rings: dict[str, list[str]],
) -> Planted:
    start = w0 + rng.randrange(0, 7 * 24 - 20) * HOUR
    if kind == "buildup":
        area, hours, factor = rng.choice(areas[:6]), rng.randint(12, 18), rng.uniform(0.4, 0.7)
    elif kind == "area":
        area, hours, factor = rng.choice(areas[:8]), rng.randint(2, 5), rng.uniform(1.5, 3.0)
    else:
        area, hours, factor = "", rng.randint(2, 4), rng.uniform(3.0, 5.0)
    planted = Planted(kind, area, start, start + hours * HOUR, set())
    pool = generate_labelled_reports(
        per_day * hours // 3, start=start, end=planted.end, seed=rng.getrandbits(32)
    )
    if kind == "source":
        # A detector busy enough that its misfiring is more than a handful of reports.
        busy = Counter(p.report.source for p in pool if p.report.source.startswith("detector:"))
        planted.key = rng.choice(sorted(s for s, _ in busy.most_common(5)))
        wanted = [p for p in pool if p.report.source == planted.key]
    else:
        wanted = [p for p in pool if p.intended_area == area]
    # The extra over normal volume: ``factor`` times what these hours would bring on a weekday.
    share = len(wanted) / max(1, len(pool)) * per_day / 24 * hours
    extra = rng.sample(wanted, min(len(wanted), int(share * factor)))
    # Each generation invents its own fraud rings and botnets; a spike is more of the usual
    # traffic, so its reports carry the month's rings, not new infrastructure no one had before.
    own = _ring_values(pool)
    alias = {
        value: rings[kind][i % len(rings[kind])]
        for kind, values in own.items()
        if rings.get(kind)
        for i, value in enumerate(values)
    }
    extra = [_with_rings(p, alias) for p in extra]
    if kind == "buildup":  # rising: later reports kept, earlier ones mostly dropped
        extra = [p for p in extra if rng.random() < (p.arrived_at - start) / (planted.end - start)]
    demo += [(p, str(id(planted))) for p in extra]
    return planted


def _ring_values(pool: list[DemoReport]) -> dict[str, list[str]]:
    """Device ids and payment fingerprints that several subjects share: rings and botnets."""
    holders: dict[tuple[str, str], set[str]] = {}
    for item in pool:
        for ident in item.report.subject.identifiers:
            if ident.kind in ("device_id", "payment_fingerprint"):
                holders.setdefault((ident.kind, ident.value), set()).add(item.report.subject.id)
    out: dict[str, list[str]] = {}
    for (kind, value), subjects_ in sorted(holders.items()):
        if len(subjects_) >= 2:
            out.setdefault(kind, []).append(value)
    return out


def _with_rings(item: DemoReport, alias: dict[str, str]) -> DemoReport:
    subject = item.report.subject
    ids = [i.model_copy(update={"value": alias.get(i.value, i.value)}) for i in subject.identifiers]
    report = item.report.model_copy(
        update={"subject": subject.model_copy(update={"identifiers": ids})}
    )
    return DemoReport(item.arrived_at, report, item.intended_area, item.p0)


def _plant_campaign(
    rng: random.Random, w0: datetime, demo: list[tuple[DemoReport, str]]
) -> Planted:
    words = wording()
    size = int(math.exp(rng.uniform(math.log(50), math.log(400))))
    profile = rng.choice(("burst", "steady", "ramp"))
    hours = {
        "burst": rng.randint(3, 12),
        "steady": rng.randint(12, 48),
        "ramp": rng.randint(24, 72),
    }[profile]
    start = w0 + rng.uniform(0, 7 * 24 - 24) * HOUR
    area = rng.choice(("fraud_scams", "spam_manipulation"))
    planted = Planted(profile, area, start, start + hours * HOUR, set())
    brand = rng.choice(words.brands)
    host = f"{brand.split()[0].lower()}-{rng.choice(words.url_words)}-{rng.randrange(10, 99)}.test"
    urls = [f"https://{host}/{p}" for p in ("claim", "login", f"r/{rng.getrandbits(20):05x}")]
    # The UK's 1000 fiction numbers: the 100 US ones are shared by too many strangers.
    phone = f"+44-20-7946-0{rng.randint(0, 999):03d}"
    pf = f"pf_{rng.getrandbits(64):016x}"
    senders = [f"acct_c{rng.getrandbits(24):06x}" for _ in range(max(3, size // 10))]
    lure = rng.choice(LURES)
    template = generate_labelled_reports(
        size, start=start, end=planted.end, seed=rng.getrandbits(32)
    )
    for item in template:
        # Arrival: burst front-loaded, steady flat, ramp rising from 15% to full rate.
        u = rng.random()
        frac = {
            "burst": -math.log(1 - u * 0.95) / 3,
            "steady": u,
            "ramp": (math.sqrt(0.0225 + 1.7 * u) - 0.15) / 0.85,
        }[profile]
        at = start + min(frac, 1.0) * (planted.end - start)
        slots = {
            "name": rng.choice(words.first_names),
            "brand": brand,
            "url": rng.choice(urls),
            "money": f"${rng.choice((50, 75, 100, 250, 500))}",
            "money2": f"${rng.choice((2000, 5000, 9000))}",
            "coin": rng.choice(words.coins),
            "pct": str(rng.choice((3, 5, 8))),
            "phone": phone,
            "product": rng.choice(words.products),
            "handle": "@" + rng.choice(senders)[5:],
        }
        text = lure.format(**slots)
        if rng.random() < 0.3:  # pasted only in part
            cut = text.split(". ")
            text = ". ".join(cut[1:] if len(cut) > 1 and rng.random() < 0.5 else cut[:-1] or cut)
        if rng.random() < 0.2:
            text = rng.choice(PARAPHRASES).format(**slots)
        else:
            text = rng.choice(QUOTES).format(lure=text, handle=slots["handle"])
        sender = rng.choice(senders)
        ids = [("domain", host)] if rng.random() < 0.6 else []
        ids += [("phone", phone)] if rng.random() < 0.3 else []
        ids += [("payment_fingerprint", pf)] if rng.random() < 0.15 else []
        subject = SubjectIn(
            kind="account", id=sender, identifiers=[IdentifierIn(kind=k, value=v) for k, v in ids]
        )
        report = item.report.model_copy(
            update={"text": text, "source": "in_app", "subject": subject}
        )
        demo.append((DemoReport(at, report, area, False), str(id(planted))))
    return planted
