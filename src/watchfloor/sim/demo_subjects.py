"""Who the demo's reports are about: new subjects, repeat ones, fraud rings and bot networks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from watchfloor.intake.schemas import SubjectKind
from watchfloor.sim import fake_data as fake
from watchfloor.sim.demo_wording import wording


@dataclass
class Subject:
    """A reported account, post, link or the like, and how reporters name it."""

    kind: SubjectKind
    id: str
    display_name: str | None
    casual: str  # how a user names it
    formal: str  # how a system or an official names it
    handle: str  # the account behind it
    identifiers: list[tuple[str, str]]
    slots: dict[str, str] = field(default_factory=dict)


class SubjectPool:
    """The day's subjects so far, with the fraud rings and botnets that tie some of them together."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = wording()
        # One entry per report, so a subject comes back in proportion to how often it already has.
        self.tickets: dict[str, list[Subject]] = {}
        self.taken: set[str] = set()
        self.rings = [
            {
                "domain": domain,
                "pf": fake.payment_fingerprint(rng),
                "device": fake.device_id(rng),
            }
            for domain in ("payout-desk.test", "refund-helpdesk.test", "vista-yield.example.net")
        ]
        self.botnets = [(fake.ip_address(rng), fake.device_id(rng)) for _ in range(2)]

    def draw(self, area: str) -> Subject:
        """The subject of the next report in `area`: often one already reported, else a new one."""
        rng = self.rng
        subject: Subject | None = None
        if rng.random() < self.words.reuse[area]:
            sources = self.words.reuse_from.get(area, {area: 1})
            pools = {a: n for a, n in sources.items() if self.tickets.get(a)}
            if pools:
                subject = rng.choice(self.tickets[fake.pick(rng, pools)])
        if subject is None:
            subject = self._new(area)
        self.tickets.setdefault(area, []).append(subject)
        return subject

    def _uid(self, prefix: str, size: int) -> str:
        while (value := prefix + fake.token(self.rng, size)) in self.taken:
            pass
        self.taken.add(value)
        return value

    def _new(self, area: str) -> Subject:
        rng, words = self.rng, self.words
        kind = fake.pick(rng, words.subject_mix[area])
        handle = fake.handle(rng)
        at = f"@{handle}"
        scammy = area in ("fraud_scams", "spam_manipulation")
        if kind == "account":
            sid = self._uid("acct_", 5)
            ids = self._contact_ids(area, handle)
            return Subject(kind, sid, handle, at, f"{sid} ({at})", at, ids, _slots_from(ids))
        if kind == "content":
            prefix = rng.choice(tuple(words.content_nouns))
            noun = words.content_nouns[prefix]
            sid, author = self._uid(prefix + "_", 10), self._author(area)
            at = author.casual if author else at
            owner = author.id if author else self._uid("acct_", 5)
            return Subject(
                kind,
                sid,
                f"{noun} by {at}",
                f"this {noun} by {at}",
                f"{sid} by {at}",
                at,
                [("author_account", owner)],
            )
        if kind == "group":
            name, sid = rng.choice(words.group_names), self._uid("grp_", 6)
            return Subject(
                kind,
                sid,
                name,
                f'the group "{name}"',
                f'{sid} ("{name}")',
                at,
                [("owner_account", self._uid("acct_", 5))],
                {"group_name": name},
            )
        if kind == "url":
            while (url := fake.url(rng, scammy)) in self.taken:
                pass
            self.taken.add(url)
            host = url.split("/")[2]
            ids = [("domain", host)] + (
                [("ip", fake.ip_address(rng))] if rng.random() < 0.5 else []
            )
            values = {"url": url, "link": url, **_slots_from(ids)}
            return Subject(kind, url, host, url, url, at, ids, values)
        if kind == "app":
            name, sid = rng.choice(words.apps), self._uid("app_", 6)
            ids = [
                ("client_id", f"cli_{rng.getrandbits(48):012x}"),
                ("developer_email", f"dev.{handle.replace('.', '')}@example.com"),
            ]
            return Subject(
                kind, sid, name, f'the app "{name}"', f"{sid} ({name})", at, ids, {"app": name}
            )
        if kind == "api_key":
            sid, app = self._uid("key_live_FAKE", 12), rng.choice(words.apps)
            ids = [("app_id", self._uid("app_", 6)), ("ip", fake.ip_address(rng))]
            return Subject(
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
            name, sid = rng.choice(words.org_names), self._uid("org_", 6)
            domain = f"{fake.slug(name)}.{rng.choice(('example.net', 'test'))}"
            ids = [("domain", domain), ("email", f"info@{domain}"), ("phone", fake.phone(rng))]
            ids += self._ring_ids(area, with_email=False)
            return Subject(kind, sid, name, name, f"{name} ({sid})", at, ids, _slots_from(ids))
        if kind == "email":
            ring = self._ring_ids(area, with_email=True)
            local = f"{rng.choice(words.url_words)}.{fake.token(rng, 4)}"
            address = dict(ring).get("email") or f"{local}@{rng.choice(fake.MAIL_DOMAINS)}"
            ids = [("domain", address.split("@")[1])] + [i for i in ring if i[0] != "email"]
            return Subject(
                kind,
                address,
                None,
                address,
                address,
                at,
                ids,
                {"email": address, **_slots_from(ids)},
            )
        number = fake.phone(rng)
        return Subject(kind, number, None, number, number, at, self._ring_ids(area, False))

    def _author(self, area: str) -> Subject | None:
        # Content is often by an account that was itself reported: the case should link them.
        accounts = [s for s in self.tickets.get(area, [])[-200:] if s.kind == "account"]
        return self.rng.choice(accounts) if accounts and self.rng.random() < 0.3 else None

    def _contact_ids(self, area: str, handle: str) -> list[tuple[str, str]]:
        rng = self.rng
        ids: list[tuple[str, str]] = []
        if rng.random() < 0.5:
            ids.append(("email", f"{handle.replace('.', '')}@{rng.choice(fake.MAIL_DOMAINS)}"))
        if rng.random() < 0.2:
            ids.append(("phone", fake.phone(rng)))
        if rng.random() < 0.35:
            ids.append(("ip", fake.ip_address(rng)))
        if rng.random() < 0.25:
            ids.append(("device_id", fake.device_id(rng)))
        ring = self._ring_ids(area, with_email=True)
        if ring:
            ids = [i for i in ids if i[0] != "email"] + ring
        if area == "spam_manipulation" and rng.random() < 0.4:
            ip, device = rng.choice(self.botnets)
            ids = [i for i in ids if i[0] not in ("ip", "device_id")]
            ids += [("ip", ip), ("device_id", device)]
        return ids

    def _ring_ids(self, area: str, with_email: bool) -> list[tuple[str, str]]:
        """Identifiers shared by a fraud ring, for some of the fraud subjects."""
        rng = self.rng
        if area != "fraud_scams" or rng.random() >= 0.45:
            return []
        ring = rng.choice(self.rings)
        ids = [("payment_fingerprint", ring["pf"])]
        if with_email:
            domain = ring["domain"]
            ids.append(
                ("email", f"{rng.choice(self.words.url_words)}.{fake.token(rng, 3)}@{domain}")
            )
        if rng.random() < 0.5:
            ids.append(("device_id", ring["device"]))
        return ids


def _slots_from(ids: list[tuple[str, str]]) -> dict[str, str]:
    """Template values a subject's identifiers fix (its e-mail, IP, payment fingerprint)."""
    names = {"email": "email", "ip": "ip", "payment_fingerprint": "pf"}
    return {names[k]: v for k, v in ids if k in names}
