"""The demo: a realistic last 24 hours of a safety floor, run through the real services."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Role
from watchfloor.cases import flows as case_flows
from watchfloor.cases.schemas import ActionIn, DecisionIn
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.errors import WatchfloorError
from watchfloor.intake import flows as intake_flows
from watchfloor.queues import service as queues
from watchfloor.runtime import Runtime
from watchfloor.sim.demo_reports import generate_reports

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
# Working hours (UTC) of each region's shift: follow the sun.
SHIFTS = {"APAC": range(0, 9), "EU": range(7, 17), "US": range(14, 24)}

# What a typical violating decision orders, per harm area.
ACTIONS: dict[str, list[str]] = {
    "child_safety": ["ban_account", "preserve_data", "report_to_ncmec"],
    "violent_extremism": ["remove_content", "ban_account", "preserve_data"],
    "violence_threats": ["remove_content", "suspend_account"],
    "self_harm": ["refer_to_law_enforcement", "notify_reporter"],
    "sexual_content": ["remove_content", "warn_user"],
    "hate": ["remove_content", "warn_user"],
    "harassment": ["remove_content", "restrict_feature"],
    "fraud_scams": ["suspend_account", "remove_content"],
    "developer_abuse": ["revoke_api_key", "restrict_feature"],
    "privacy": ["remove_content", "notify_reporter"],
    "legal_regulatory": ["preserve_data", "notify_reporter"],
    "spam_manipulation": ["remove_content", "suspend_account"],
    "unclassified": ["warn_user"],
}


@dataclass
class _Analyst:
    user: User
    region: str | None


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
    analysts: list[_Analyst] = []
    with session_scope(runtime.sessions) as session:
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
            if role in (Role.ANALYST, Role.LEAD):
                analysts.append(_Analyst(user, region))
        auth.create(
            session,
            clock,
            username="detector-hub",
            role=Role.INTAKE,
            display_name="Detector hub (machine client)",
            actor="system:demo",
        )

    incoming = generate_reports(reports, start=start, end=end - timedelta(minutes=1), seed=seed)
    decided = 0
    tick = start
    cursor = 0
    while tick < end:
        tick_end = min(tick + timedelta(minutes=10), end)
        batch = []
        while cursor < len(incoming) and incoming[cursor][0] < tick_end:
            batch.append(incoming[cursor][1])
            cursor += 1
        if batch:
            clock.set(tick_end)
            with session_scope(runtime.sessions) as session:
                intake_flows.ingest(
                    session,
                    clock,
                    config=runtime.config,
                    link_window=timedelta(hours=72),
                    reports=batch,
                    actor="user:detector-hub",
                )
        # Analysts on shift each work a few cases per tick, except in the last two hours,
        # so the floor shows a live backlog.
        if tick_end < end - timedelta(hours=2):
            for analyst in analysts:
                if analyst.region and tick.hour not in SHIFTS.get(analyst.region, range(24)):
                    continue
                for _ in range(rng.randint(0, 4)):
                    clock.set(tick_end + timedelta(minutes=rng.randint(1, 8)))
                    decided += _work_one(runtime, clock, analyst.user, rng)
        tick = tick_end
    return f"Seeded {len(incoming)} reports over the last 24 hours; {decided} cases decided."


def _work_one(runtime: Runtime, clock: SettableClock, user: User, rng: random.Random) -> int:
    order = [q.name for q in runtime.config.queues.queues]
    with session_scope(runtime.sessions) as session:
        for name in order:
            case = queues.claim_next(
                session,
                clock,
                queues=runtime.config.queues,
                queue=name,
                analyst=user,
                taxonomy=runtime.config.taxonomy,
            )
            if case is not None:
                break
        else:
            return 0
        area = runtime.config.taxonomy.area(case.harm_area)
        violation = case.harm_area != "unclassified" and rng.random() < 0.82
        policy = rng.choice(area.policies).id if violation else "GEN-NO-VIOLATION"
        kinds = ACTIONS[case.harm_area][: rng.randint(1, 2)] if violation else ["no_action"]
        params: dict[str, Any] = {}
        decision = DecisionIn(
            policy_id=policy,
            violation=violation,
            rationale=_rationale(case.harm_area, violation, rng),
            actions=[ActionIn.model_validate({"kind": k, "params": params}) for k in kinds],
        )
        try:
            case_flows.decide(
                session,
                clock,
                key=case.key,
                decision=decision,
                actor=user,
                can_act_for_others=False,
                taxonomy=runtime.config.taxonomy,
            )
        except WatchfloorError:
            return 0
    return 1


def _rationale(harm_area: str, violation: bool, rng: random.Random) -> str:
    if not violation:
        return rng.choice(
            [
                "Reviewed the reported content and account history; no policy violation found.",
                "Context shows this is satire/news reporting; no violation. Reporter informed.",
                "Insufficient evidence of a violation after reviewing reports and history.",
            ]
        )
    return rng.choice(
        [
            f"Content clearly meets the {harm_area.replace('_', ' ')} policy; action per playbook.",
            "Multiple independent reports corroborate; prior warnings on record.",
            "Confirmed against policy definition and examples; enforcement applied.",
            "Pattern matches known campaign; actioned consistently with linked cases.",
        ]
    )
