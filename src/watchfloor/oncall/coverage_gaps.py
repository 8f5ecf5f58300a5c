"""Nobody qualified on shift, at work: who is on shift now, which waiting urgent cases none of
them may take, and the worker's ``coverage-gaps`` job that pages the lead on shift about each
such case once, before its first action is due.

The rule itself (who may take what, and the words of the page) is pure, in coverage.py; who is
on shift and when to page are the ``coverage`` key of config/escalation.yaml.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.auth import login_sessions
from watchfloor.auth import service as auth
from watchfloor.cases import waiting
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.notify import service as notify
from watchfloor.oncall import coverage as rules
from watchfloor.oncall import paging
from watchfloor.oncall.config import OncallConfig, Pager
from watchfloor.oncall.coverage import CoverageGap, CoverageRule, Needs, OnShift
from watchfloor.oncall.models import Page
from watchfloor.oncall.page_notices import page_key
from watchfloor.oncall.service import on_call
from watchfloor.triage.taxonomy import Priority

log = logging.getLogger("watchfloor.oncall.coverage")

ACTOR = "system:coverage"


def dedup_key(key: str) -> str:
    """The page key of a case's coverage gap: one page per case, ever."""
    return f"coverage-gap:{key}"


def on_shift(session: Session, now: datetime, config: OncallConfig) -> list[OnShift]:
    """Who is on shift at ``now`` and what each may take (see ``CoverageRule``): active people
    with a role that takes cases who used the console recently or are on call on a shift
    schedule. Someone on call without a Watchfloor account cannot claim, so does not count."""
    rule = config.escalation.coverage
    signed_in: set[int] = set()
    if rule.signed_in_within is not None:
        signed_in = login_sessions.seen_since(session, since=now - rule.signed_in_within, now=now)
    rota = {u for name in rule.shift_schedules for u in on_call(session, config, name, now)}
    people = [
        user
        for user in auth.case_workers(session)
        if user.role in rule.roles and (user.id in signed_in or user.username in rota)
    ]
    profiles = auth.profiles_of(session, user_ids=[u.id for u in people])
    found = []
    for user in people:
        profile = profiles.get(user.id)
        skills = tuple(profile.skills) if profile else ()
        languages = tuple(profile.languages) if profile else ()
        found.append(OnShift(user.username, skills, languages))
    return found


def waiting_urgent(session: Session, now: datetime, rule: CoverageRule) -> list[Needs]:
    """Waiting cases of the rule's priorities whose running first-action clock is due within
    ``page_within`` and has not breached, soonest due first, at most ``batch``."""
    rows = waiting.first_action_due_between(
        session,
        after=now,
        until=now + rule.page_within,
        priorities=[Priority[p].value for p in rule.priorities],
        limit=rule.batch,
    )
    return [
        Needs(
            case_key=case.key,
            priority=Priority(case.priority).label,
            harm_area=case.harm_area,
            language=case.language,
            queue=case.queue,
            first_action_due_at=case.first_action_due_at,
        )
        for case in rows
    ]


def coverage_gaps(session: Session, clock: Clock, config: OncallConfig) -> list[CoverageGap]:
    """The waiting urgent cases nobody on shift may take now, soonest due first: what the floor
    or the hand-off brief can show beside the pages this job sends."""
    now = clock.now()
    needs = waiting_urgent(session, now, config.escalation.coverage)
    if not needs:
        return []
    people = on_shift(session, now, config)
    return [found for n in needs if (found := rules.gap(n, people)) is not None]


def _already_paged(session: Session, gaps: list[CoverageGap]) -> set[str]:
    keys = [dedup_key(g.needs.case_key) for g in gaps]
    if not keys:
        return set()
    return set(session.scalars(select(Page.dedup_key).where(Page.dedup_key.in_(keys))))


def _page_lead(session: Session, clock: Clock, pager: Pager, found: CoverageGap) -> None:
    """One page to the lead on shift (the fallback's lead schedule; its catch-all when nobody
    is on it), and the gap audited and sent to webhooks. The case itself is left as it is."""
    needs = found.needs
    schedule = pager.config.escalation.fallback.lead_schedule  # None: the default schedule
    page = paging.trigger(
        session,
        clock,
        pager,
        schedule=schedule,
        summary=found.summary,
        severity=needs.priority,
        case_key=needs.case_key,
        dedup_key=dedup_key(needs.case_key),
        actor=ACTOR,
    )
    about = {
        "case": needs.case_key,
        "priority": needs.priority,
        "harm_area": needs.harm_area,
        "language": needs.language,
        "queue": needs.queue,
        "first_action_due_at": needs.first_action_due_at.isoformat(),
        "on_shift": list(found.on_shift),
        "readers": list(found.readers),
        "holders": list(found.holders),
        "page": page_key(page),
        "schedule": schedule,
        "summary": found.summary,
    }
    audit.record(
        session,
        at=clock.now(),
        actor=ACTOR,
        action="coverage.gap",
        object_type="case",
        object_id=needs.case_key,
        after=about,
    )
    notify.enqueue(session, clock, event_type="coverage.gap", data={**about, "text": found.summary})
    log.warning("nobody qualified on shift: %s", found.summary, extra={"case": needs.case_key})


def page_gaps(sessions: sessionmaker[Session], clock: Clock, pager: Pager) -> int:
    """The worker's ``coverage-gaps`` job: page the lead once about each waiting urgent case
    nobody on shift may take; how many were paged this run."""
    with session_scope(sessions) as session:
        gaps = coverage_gaps(session, clock, pager.config)
        paged = _already_paged(session, gaps)
        fresh = [g for g in gaps if dedup_key(g.needs.case_key) not in paged]
        for found in fresh:
            _page_lead(session, clock, pager, found)
        return len(fresh)
