"""Values for the {slots} of the demo's templates: a name, an amount, a case number, a link."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from watchfloor.sim import fake_data as fake
from watchfloor.sim.demo_wording import wording


class Slots(dict[str, str]):
    """Template values, made on first use and then kept so a text names one thing one way."""

    def __init__(self, rng: random.Random, region: str, at: datetime, values: dict[str, str]):
        super().__init__(values)
        self.rng, self.region, self.at = rng, region, at
        self.words = wording()
        self.currencies = self.words.currencies[region]

    def __missing__(self, key: str) -> str:
        value = _MAKERS[key](self)
        self[key] = value
        return value


def _money(s: Slots) -> str:
    symbol, rate = s.rng.choice(s.currencies)
    amount = s.rng.choice((20, 35, 50, 80, 120, 150, 250, 400, 600, 900, 1200, 2500, 5000))
    return f"{symbol}{amount * rate:,}"


_MAKERS: dict[str, Callable[[Slots], str]] = {
    "handle": lambda s: "@" + fake.handle(s.rng),
    "name": lambda s: s.rng.choice(s.words.first_names),
    "money": _money,
    "pct": lambda s: str(s.rng.choice((5, 8, 10, 12, 15, 20, 30, 40))),
    "coin": lambda s: s.rng.choice(s.words.coins),
    "url": lambda s: fake.url(s.rng, scammy=True),
    "link": lambda s: fake.url(s.rng, scammy=False),
    "email": lambda s: (
        f"{s.rng.choice(s.words.url_words)}.{fake.token(s.rng, 4)}"
        f"@{s.rng.choice(fake.MAIL_DOMAINS)}"
    ),
    "brand": lambda s: s.rng.choice(s.words.brands),
    "product": lambda s: s.rng.choice(s.words.products),
    "item": lambda s: s.rng.choice(s.words.items),
    "app": lambda s: s.rng.choice(s.words.apps),
    "game": lambda s: s.rng.choice(s.words.games),
    "group_name": lambda s: s.rng.choice(s.words.group_names),
    "group_target": lambda s: s.rng.choice(s.words.group_targets),
    "place": lambda s: s.rng.choice(s.words.places),
    "month": lambda s: s.rng.choice(s.words.months),
    "when": lambda s: s.rng.choice(s.words.when),
    "since": lambda s: s.rng.choice(s.words.since),
    "key": lambda s: f"key_live_FAKE{s.rng.getrandbits(40):010x}",
    "ip": lambda s: fake.ip_address(s.rng),
    "rpm": lambda s: str(s.rng.randrange(1200, 20000, 100)),
    "limit": lambda s: str(s.rng.choice((600, 1000, 1200))),
    "n": lambda s: str(s.rng.randint(3, 60)),
    "city": lambda s: s.rng.choice(s.words.cities[s.region]),
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
        f"{s.rng.choice(s.words.first_names)[0]}. {s.rng.choice(s.words.surnames)}"
    ),
    "basis": lambda s: s.rng.choice(s.words.legal_bases.get(s.region, s.words.default_legal_bases)),
    "date": lambda s: (s.at - timedelta(days=s.rng.randint(1, 20))).date().isoformat(),
    "conv": lambda s: f"conv_{s.rng.getrandbits(40):010x}",
    "pf": lambda s: fake.payment_fingerprint(s.rng),
    "slug": lambda s: f"{s.rng.choice(s.words.handle_b)}-{s.rng.getrandbits(24):06x}",
    "callback": lambda s: fake.phone(s.rng),
}
