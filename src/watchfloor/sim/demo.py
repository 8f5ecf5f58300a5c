"""The demo: the last 24 hours of a working safety floor, run through the real services.

The people and their profiles are here; the working day itself is sim/shift.py."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Role
from watchfloor.cases import assignment, waiting
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.intake.schemas import ReporterIn, ReportIn, SubjectIn
from watchfloor.runtime import Runtime
from watchfloor.sim.demo_incident import declare_campaign
from watchfloor.sim.demo_reports import generate_reports
from watchfloor.sim.shift import SHIFTS, Desk, WorkingDay

DEMO_PASSWORD = "watchfloor-demo"  # noqa: S105 - printed for the local demo only

# (username, display name, role, home region)
PEOPLE = [
    ("admin", "Avery Admin", Role.ADMIN, None),
    ("lena", "Lena Okafor (shift lead)", Role.LEAD, "EU"),
    ("sam", "Sam Reyes", Role.ANALYST, "US"),
    ("priya", "Priya Natarajan", Role.ANALYST, "APAC"),
    ("jonas", "Jonas Berg", Role.ANALYST, "EU"),
    ("amara", "Amara Diallo", Role.ANALYST, "EU"),
    ("quinn", "Quinn Ito (QA)", Role.QA, None),
    ("lee", "Lee Morgan (legal)", Role.LEGAL, None),
    ("vic", "Vic Viewer", Role.VIEWER, None),
]
# Each demo analyst's routing profile: where they work, what they may take, what they read,
# their limits. Legal requests wait for those trained for them (not the APAC desk at night),
# privacy requests for the EU office; nobody on the named team reads Thai or Swahili, so those
# cases wait for a reader (the floor's few breaches), as they do on a real floor.
NOT_LEGAL = {"legal_regulatory", "privacy"}
PROFILES: dict[str, dict[str, Any]] = {
    "lena": {
        "region": "EU",
        "time_zone": "Europe/Dublin",
        "max_open_cases": 10,
        "languages": ["en", "de", "fr", "it", "es"],
    },
    "sam": {
        "region": "US",
        "time_zone": "America/New_York",
        "skills_except": {"privacy"},
        "languages": ["en", "es", "pt"],
    },
    "priya": {
        "region": "APAC",
        "time_zone": "Asia/Singapore",
        "skills_except": NOT_LEGAL,
        "languages": ["en", "hi", "id", "ja", "ko"],
    },
    "jonas": {
        "region": "EU",
        "time_zone": "Europe/Berlin",
        "languages": ["en", "de", "nl", "pl", "sv"],
    },
    "amara": {
        "region": "EU",
        "time_zone": "Europe/Paris",
        "languages": ["en", "fr", "ar", "pt", "es"],
    },
}
ZONES = {"EU": "Europe/Dublin", "US": "America/New_York", "APAC": "Asia/Singapore"}
LANGUAGES = {
    "EU": ["en", "de", "fr", "es", "it", "nl", "pl", "pt"],
    "US": ["en", "es", "pt"],
    "APAC": ["en", "hi", "id", "ja", "ko", "th"],
}
# Names for the extra desks of a demo bigger than the named team can work: a first name with
# a last name, paired in turn (the two lists' lengths share no factor, so no pair repeats).
FIRST_NAMES = [
    "Mei",
    "Tomás",
    "Aisha",
    "Noah",
    "Yuki",
    "Omar",
    "Sofia",
    "Ravi",
    "Elena",
    "Kwame",
    "Lucía",
    "Jin",
    "Hannah",
    "Arjun",
    "Fatima",
    "Liam",
    "Ana",
    "Kenji",
    "Zainab",
    "Mateo",
    "Ingrid",
    "Dev",
    "Chloé",
    "Ade",
    "Nora",
    "Hiro",
    "Maya",
    "Pablo",
    "Leila",
    "Owen",
    "Ines",
]
LAST_NAMES = [
    "Chen",
    "Silva",
    "Bello",
    "Fischer",
    "Tanaka",
    "Haddad",
    "Rossi",
    "Kumar",
    "Petrova",
    "Mensah",
    "Gómez",
    "Park",
    "Weber",
    "Mehta",
    "Zahra",
    "Byrne",
    "Costa",
    "Mori",
    "Yusuf",
    "Cruz",
    "Holm",
    "Patel",
    "Martin",
    "Okoye",
    "Lindqvist",
    "Sato",
    "Levi",
    "Ruiz",
    "Karimi",
    "Price",
]
CASES_PER_ANALYST_DAY = 55  # what one analyst works in a shift, roughly


def seed_demo(runtime: Runtime, *, reports: int, seed: int = 7) -> str:
    """Seed people and a day of reports and decisions (once); return how to log in."""
    with session_scope(runtime.sessions) as session:
        seeded = (session.scalar(select(func.count()).select_from(User)) or 0) > 0
    lines = []
    if not seeded:
        lines.append(_seed(runtime, reports=reports, seed=seed))
    with session_scope(runtime.sessions) as session:
        tokens = {}
        for name in ("admin", "sam", "lena"):
            user = auth.get_or_raise(session, username=name)
            tokens[name] = auth.issue_token(session, runtime.clock, user=user, name="demo")[0]
    lines += [
        "",
        "Console: http://127.0.0.1:8000/ — sign in as any of: "
        + ", ".join(f"{p[0]} ({p[2].value})" for p in PEOPLE)
        + f"; password: {DEMO_PASSWORD}",
        "API tokens for this run:",
        *(f"  {name:6} {token}" for name, token in tokens.items()),
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {tokens['sam']}' http://127.0.0.1:8000/api/v1/queues",
        f"  curl -s -X POST -H 'Authorization: Bearer {tokens['sam']}' "
        "http://127.0.0.1:8000/api/v1/queues/life-safety/next",
    ]
    return "\n".join(lines)


def _seed(runtime: Runtime, *, reports: int, seed: int) -> str:
    rng = random.Random(seed)
    end = runtime.clock.now()
    start = end - timedelta(hours=24)
    clock = SettableClock(start - timedelta(minutes=5))
    # One of the day's reports is always the case nobody on the team reads (see below).
    made = generate_reports(
        max(reports - 1, 0), start=start, end=end - timedelta(minutes=1), seed=seed
    )
    planted = [nobody_reads_it(end - NOBODY_READS_IT_AGO)] if reports else []
    incoming = sorted([*made, *planted], key=_arrival)
    with session_scope(runtime.sessions) as session:
        desks = _people(session, clock, runtime, arrivals=[at for at, _ in incoming])
    done = WorkingDay(runtime, clock, rng, desks, incoming).run(start, end)
    incident = declare_campaign(runtime, now=end)
    with session_scope(runtime.sessions) as session:
        backlog = sum(n for _, _, n, _ in waiting.depth_by_queue_and_priority(session))
        at_risk = waiting.clocks_at_risk(session, now=end)
        held = assignment.held_by(session, usernames=[d.user.username for d in desks])
    breached = sum(n for _, _, state, n in at_risk if state == "breached")
    return (
        f"Seeded {len(incoming)} reports over the last 24 hours, worked by {len(desks)} people "
        f"in shifts: {done['decided']} cases decided, {done['escalated']} escalated, "
        f"{done['pending_info']} waiting on a reply at some point, {done['notes']} notes, "
        f"{done['paged']} P0 pages. Now: {backlog} waiting, "
        f"{sum(len(h) for h in held.values())} held by analysts, {breached} SLA clock(s) breached."
        + (f" Incident {incident} (a scam campaign) is active." if incident else "")
    )


def _people(
    session: Session, clock: SettableClock, runtime: Runtime, *, arrivals: list[datetime]
) -> list[Desk]:
    """The demo's users with their profiles; the desks of the analysts and the lead, with extra
    desks when the day is bigger than the named team can work."""
    taxonomy = runtime.config.taxonomy
    desks: list[Desk] = []
    for username, display, role, region in PEOPLE:
        user = auth.create(
            session,
            clock,
            username=username,
            role=role,
            display_name=display,
            password=DEMO_PASSWORD,
            actor="system:demo",
        )
        if role in (Role.ANALYST, Role.LEAD) and region is not None:
            profile = dict(PROFILES[username])
            skipped = profile.pop("skills_except", set())
            if skipped:
                profile["skills"] = [a for a in taxonomy.area_ids if a not in skipped]
            changes = {"graphic_daily_budget": 40, "max_open_cases": 8, **profile}
            auth.set_profile(
                session, clock, user=user, taxonomy=taxonomy, changes=changes, actor="system:demo"
            )
            desks.append(Desk(user, region, lead=role == Role.LEAD))
    auth.create(
        session,
        clock,
        username="detector-hub",
        role=Role.INTAKE,
        display_name="Detector hub (machine client)",
        actor="system:demo",
    )
    extra = max(0, len(arrivals) // CASES_PER_ANALYST_DAY - len(desks))
    for i, region in enumerate(staffing([d.region for d in desks], arrivals, extra)):
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]}"
        # Extra desks sign in with single sign-on in real life: no demo password.
        user = auth.create(
            session,
            clock,
            username=_username(name),
            role=Role.ANALYST,
            display_name=name,
            actor="system:demo",
        )
        changes = {
            "region": region,
            "time_zone": ZONES[region],
            # One in three reads any language, with the translation tools.
            "languages": [] if i % 3 == 2 else LANGUAGES[region],
            "max_open_cases": 8,
            "graphic_daily_budget": 40,
        }
        auth.set_profile(
            session, clock, user=user, taxonomy=taxonomy, changes=changes, actor="system:demo"
        )
        desks.append(Desk(user, region))
    return desks


def staffing(regions: list[str], arrivals: list[datetime], extra: int) -> list[str]:
    """The regions of ``extra`` more desks, each where the load per desk is highest: a region's
    load is the reports arriving in its shift's hours (shared where shifts overlap)."""
    load = dict.fromkeys(SHIFTS, 0.0)
    for at in arrivals:
        covering = [r for r, hours in SHIFTS.items() if at.hour in hours]
        for region in covering:
            load[region] += 1 / len(covering)
    desks = Counter(regions)
    chosen = []
    for _ in range(extra):
        region = max(SHIFTS, key=lambda r: load[r] / (desks[r] + 1))
        desks[region] += 1
        chosen.append(region)
    return chosen


def _username(name: str) -> str:
    """'Tomás Silva' -> 'tomas.silva': the name in plain letters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", ".")


# The one case every demo floor shows, whatever the hour: a threat in a language nobody on the
# team reads (#21's "nobody qualified on shift"), waiting past its deadline, its lead paged.
NOBODY_READS_IT_AGO = timedelta(hours=3)


def nobody_reads_it(at: datetime) -> tuple[datetime, ReportIn]:
    """A detector's report of a video in Swahili threatening a school: P0 by its words, and
    routed to a Swahili reader, whom the demo team does not have."""
    return at, ReportIn(
        source="detector-hub",
        external_id=f"demo-unread-{at:%Y%m%d%H%M}",
        text=(
            "Detector hit on a video in Swahili: the speaker says he will attack the school "
            'tomorrow with a gun. Transcript: "Kesho nitashambulia shule kwa bunduki."'
        ),
        reporter=ReporterIn(kind="detector", id="video-speech-v3"),
        subject=SubjectIn(kind="account", id="u-sw-5521", display_name="mwalimu_mkali"),
        region="EU",
        language="sw",
        reported_at=at,
    )


def _arrival(item: tuple[datetime, ReportIn]) -> datetime:
    return item[0]
