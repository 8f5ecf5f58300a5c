"""Pages: trigger, notify through the outbox, escalate on time, acknowledge, resolve.

The escalation timer is a column (``next_escalation_at``), not process memory: the worker's
``advance-pages`` job takes due pages with ``FOR UPDATE SKIP LOCKED`` and moves each one step.
The policy is frozen on the page when it starts, so editing the file never changes a live page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.audit import service as audit
from watchfloor.clock import Clock
from watchfloor.db import session_scope
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.notify import service as notify
from watchfloor.oncall import page_links
from watchfloor.oncall.config import OncallConfig, Pager
from watchfloor.oncall.models import Page, PageEvent
from watchfloor.oncall.page_notices import (
    page_key,
    payload,
    person_of,
    send,
    tell_acknowledged,
)
from watchfloor.oncall.service import on_call, schedule_or_404
from watchfloor.settings import Settings

log = logging.getLogger("watchfloor.oncall.paging")

SEVERITIES = ("P0", "P1", "P2", "P3")
OPEN_STATES = ("triggered", "acknowledged")


def trigger(
    session: Session,
    clock: Clock,
    pager: Pager,
    *,
    schedule: str | None,
    summary: str,
    severity: str,
    case_key: str | None,
    dedup_key: str,
    actor: str,
    person: str | None = None,
    policy_name: str | None = None,
) -> Page:
    """Open a page (or return the open page with this dedup key) and notify its first step.

    With ``person``, the first level pages that person alone and the policy's steps follow if
    they do not acknowledge; ``policy_name`` picks the policy instead of the schedule's."""
    config = pager.config
    if schedule is not None:
        schedule_or_404(config, schedule)
    if severity not in SEVERITIES:
        raise Invalid(
            f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}",
            fields=[
                {"loc": ["body", "severity"], "msg": f"must be one of {', '.join(SEVERITIES)}"}
            ],
        )
    if not dedup_key.strip() or len(dedup_key) > 200:
        raise Invalid(
            "dedup_key must be 1-200 characters",
            fields=[{"loc": ["body", "dedup_key"], "msg": "must be 1-200 characters"}],
        )
    existing = session.scalar(select(Page).where(Page.open_key == dedup_key))
    if existing is not None:
        return existing
    if policy_name is None:
        policy_name, policy = config.policy_for(schedule)
    else:
        policy = config.escalation.policies[policy_name]
    steps: list[dict[str, Any]] = [
        {"schedule": s.schedule, "users": list(s.users), "wait_seconds": s.wait.total_seconds()}
        for s in policy.steps
    ]
    if person is not None:
        first = {"schedule": None, "users": [person], "wait_seconds": steps[0]["wait_seconds"]}
        steps.insert(0, first)
    now = clock.now()
    page = Page(
        dedup_key=dedup_key,
        open_key=dedup_key,
        severity=severity,
        summary=summary[:2000],
        case_key=case_key,
        schedule=schedule,
        policy_name=policy_name,
        policy={
            "repeat": policy.repeat,
            "fallback": {
                "lead_schedule": config.escalation.fallback.lead_schedule,
                "catch_all": list(config.escalation.fallback.catch_all),
            },
            "steps": steps,
        },
        state="triggered",
        step=0,
        cycle=0,
        paged=[],
        created_by=actor,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(page)
            session.flush()
    except IntegrityError:
        # Another writer opened a page with this key between our look and our insert.
        raced = session.scalar(select(Page).where(Page.open_key == dedup_key))
        if raced is None:
            raise
        return raced
    audit.record(
        session,
        at=now,
        actor=actor,
        action="page.triggered",
        object_type="page",
        object_id=page_key(page),
        after={
            "severity": severity,
            "summary": page.summary,
            "case": case_key,
            "schedule": schedule,
            "policy": policy_name,
            "dedup_key": dedup_key,
        },
    )
    _event(session, page, now, "triggered", actor, detail=page.summary)
    _notify_step(session, clock, pager, page, actor=actor, first=True)
    log.info("page triggered", extra={**_ids(page), "severity": severity})
    return page


def _ids(page: Page) -> dict[str, str | None]:
    """What a log line about ``page`` carries, to find it and its case."""
    return {"page": page_key(page), "case": page.case_key}


def _event(
    session: Session,
    page: Page,
    at: datetime,
    kind: str,
    actor: str,
    *,
    users: Sequence[str] = (),
    detail: str = "",
) -> None:
    session.add(
        PageEvent(
            page_id=page.id,
            at=at,
            kind=kind,
            actor=actor,
            step=page.step,
            users=list(users),
            detail=detail,
        )
    )


def _targets(session: Session, config: OncallConfig, page: Page, at: datetime) -> list[str]:
    """Who the current step pages: its schedule's on-call and its users; only its users when it
    names no schedule; the paged schedule's on-call when it names neither."""
    step = page.policy["steps"][page.step]
    schedule = step["schedule"]
    if schedule is None and not step["users"]:
        schedule = page.schedule or config.escalation.default_schedule
    users: list[str] = []
    if schedule is not None and schedule in config.schedules:
        users += on_call(session, config, schedule, at)
    users += [u for u in step["users"] if u not in users]
    return users


def _fallback(page: Page) -> tuple[str | None, list[str]]:
    """The lead schedule and catch-all frozen on the page (none on a page older than them)."""
    frozen = page.policy.get("fallback") or {}
    return frozen.get("lead_schedule"), list(frozen.get("catch_all") or [])


def _notify_step(
    session: Session,
    clock: Clock,
    pager: Pager,
    page: Page,
    *,
    actor: str,
    first: bool,
) -> None:
    """Page everyone the current step names, through the outbox; set when to escalate next.
    A step that finds nobody on call pages the catch-all instead; with no catch-all either, the
    next level is paged at once."""
    now = clock.now()
    step = page.policy["steps"][page.step]
    users = _targets(session, pager.config, page, now)
    level = page.step + 1
    if not users:
        users = _fallback(page)[1]
        detail = f"level {level}: nobody on call" + ("; paging the catch-all" if users else "")
        _event(session, page, now, "nobody", actor, detail=detail)
    if not users:
        page.next_escalation_at = now
    else:
        page.next_escalation_at = now + timedelta(seconds=step["wait_seconds"])
        page.paged = [*page.paged, *(u for u in users if u not in page.paged)]
        _event(session, page, now, "notified", actor, users=users, detail=f"level {level}")
        send(session, clock, pager, page, users, "page.triggered" if first else "page.escalated")
    if not first:
        log.warning("page escalated to level %d", level, extra={**_ids(page), "users": users})
        audit.record(
            session,
            at=now,
            actor=actor,
            action="page.escalated",
            object_type="page",
            object_id=page_key(page),
            after={"level": level, "cycle": page.cycle, "users": users},
        )


def get_or_404(session: Session, page_id: int, *, lock: bool = False) -> Page:
    page = session.get(Page, page_id, with_for_update=lock)
    if page is None:
        raise NotFound(f"no page with id {page_id}")
    return page


def list_pages(session: Session, *, state: str | None, limit: int = 100) -> Sequence[Page]:
    query = select(Page).order_by(Page.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Page.state == state)
    return session.scalars(query).all()


def events_of(session: Session, page_id: int) -> Sequence[PageEvent]:
    return session.scalars(
        select(PageEvent).where(PageEvent.page_id == page_id).order_by(PageEvent.id)
    ).all()


def acknowledge(
    session: Session, clock: Clock, config: OncallConfig, *, page_id: int, actor: str
) -> Page:
    """Stop escalation: someone has it. Acknowledging twice changes nothing."""
    page = get_or_404(session, page_id, lock=True)
    if page.state == "resolved":
        raise Conflict(f"{page_key(page)} is already resolved")
    if page.state == "acknowledged":
        return page
    now = clock.now()
    page.state, page.acknowledged_at, page.acknowledged_by = "acknowledged", now, actor
    page.next_escalation_at = None
    _responded(session, clock, page, now, actor, before="triggered", level=page.step + 1)
    tell_acknowledged(session, clock, config, page, actor)
    return page


def resolve_acknowledged_for_case(
    session: Session, clock: Clock, *, case_key: str, actor: str
) -> list[Page]:
    """Resolve the acknowledged pages about a case that was just resolved: someone had them, and
    the work they were paged for is done. A page nobody acknowledged stays open."""
    pages = session.scalars(
        select(Page)
        .where(Page.case_key == case_key, Page.state == "acknowledged")
        .order_by(Page.id)
        .with_for_update()
    ).all()
    return [resolve(session, clock, page_id=p.id, actor=actor) for p in pages]


def resolve(session: Session, clock: Clock, *, page_id: int, actor: str) -> Page:
    """Close the page; its dedup key is free again. Resolving twice changes nothing."""
    page = get_or_404(session, page_id, lock=True)
    if page.state == "resolved":
        return page
    now = clock.now()
    before = page.state
    page.state, page.resolved_at, page.resolved_by = "resolved", now, actor
    page.next_escalation_at, page.open_key = None, None
    _responded(session, clock, page, now, actor, before=before)
    return page


def _responded(
    session: Session,
    clock: Clock,
    page: Page,
    now: datetime,
    actor: str,
    *,
    before: str,
    level: int | None = None,
) -> None:
    """A person acknowledged or resolved the page (its new state): event, audit, notification."""
    state = page.state
    _event(session, page, now, state, actor)
    log.info("page %s", state, extra={**_ids(page), "actor": actor})
    audit.record(
        session,
        at=now,
        actor=actor,
        action=f"page.{state}",
        object_type="page",
        object_id=page_key(page),
        before={"state": before},
        after={"state": state} if level is None else {"state": state, "level": level},
    )
    who = person_of(actor)
    data: dict[str, Any] = {"page": payload(page), "text": f"{page_key(page)} {state} by {who}"}
    if state == "acknowledged":
        data["by"] = who
        data["told"] = [u for u in page.paged if u != who]
    notify.enqueue(session, clock, event_type=f"page.{state}", data=data)


def _escalate(session: Session, clock: Clock, pager: Pager, page: Page) -> None:
    steps = page.policy["steps"]
    actor = "system:escalation"
    if page.step + 1 < len(steps):
        page.step += 1
    elif page.cycle < int(page.policy["repeat"]):
        page.cycle, page.step = page.cycle + 1, 0
    else:
        _exhausted(session, clock, pager, page, actor)
        return
    _notify_step(session, clock, pager, page, actor=actor, first=False)


def _exhausted(session: Session, clock: Clock, pager: Pager, page: Page, actor: str) -> None:
    """Every level and repeat paged, nobody acknowledged: the page stays open (anyone may still
    acknowledge it) and goes to the lead on shift and the catch-all, once."""
    now = clock.now()
    steps = page.policy["steps"]
    page.next_escalation_at = None
    lead_schedule, catch_all = _fallback(page)
    config = pager.config
    leads = (
        on_call(session, config, lead_schedule, now) if lead_schedule in config.schedules else []
    )
    told = [*leads, *(u for u in catch_all if u not in leads)]
    _event(
        session, page, now, "exhausted", actor, users=told, detail="every level paged; none acked"
    )
    log.error(
        "page exhausted: every level paged, nobody acknowledged",
        extra={**_ids(page), "users": told},
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="page.exhausted",
        object_type="page",
        object_id=page_key(page),
        after={"levels": len(steps), "repeats": page.cycle, "told": told},
    )
    if told:
        page.paged = [*page.paged, *(u for u in told if u not in page.paged)]
        send(session, clock, pager, page, told, "page.exhausted")


def advance_due(
    sessions: sessionmaker[Session], clock: Clock, pager: Pager, *, limit: int = 100
) -> int:
    """Escalate every unacknowledged page whose wait has run out; how many moved."""
    with session_scope(sessions) as session:
        due = session.scalars(
            select(Page)
            .where(Page.state == "triggered", Page.next_escalation_at <= clock.now())
            .order_by(Page.next_escalation_at, Page.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for page in due:
            _escalate(session, clock, pager, page)
        return len(due)


def check_link(clock: Clock, settings: Settings, *, page_id: int, token: str, purpose: str) -> str:
    """The person a signed page link was issued to; 401 when forged, 403 when expired."""
    return page_links.holder(
        settings.secret_key, token, page_id=page_id, purpose=purpose, now=clock.now()
    )
