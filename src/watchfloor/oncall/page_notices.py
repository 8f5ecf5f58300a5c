"""What a page tells people: the chat event with a pair of signed links per person paged, the
email to each, and the note to everyone paged when someone acknowledges."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from watchfloor.clock import Clock
from watchfloor.notify import service as notify
from watchfloor.notify.email import enqueue_email
from watchfloor.oncall import page_links
from watchfloor.oncall.config import OncallConfig, Pager
from watchfloor.oncall.models import Page


def page_key(page: Page) -> str:
    return f"PAGE-{page.id:06d}"


def payload(page: Page) -> dict[str, Any]:
    return {
        "key": page_key(page),
        "id": page.id,
        "severity": page.severity,
        "summary": page.summary,
        "case": page.case_key,
        "schedule": page.schedule,
        "state": page.state,
        "level": page.step + 1,
        "dedup_key": page.dedup_key,
    }


def send(
    session: Session,
    clock: Clock,
    pager: Pager,
    page: Page,
    users: list[str],
    event_type: str,
) -> None:
    settings, config = pager.settings, pager.config
    now = clock.now()
    key = page_key(page)
    case = f" (case {page.case_key})" if page.case_key else ""
    verb = {
        "page.triggered": "Paging",
        "page.escalated": "Escalating to",
        "page.exhausted": "Nobody acknowledged at any level; telling",
    }.get(event_type, "")
    text = (
        f"*{page.severity}* {key}{case}: {page.summary}\n{verb} {', '.join(users)} "
        f"(level {page.step + 1})"
    )
    notify.enqueue(
        session,
        clock,
        event_type=event_type,
        data={
            "page": payload(page),
            "users": users,
            "text": text,
            # One pair of links per person paged, so whoever acts from the chat message is named
            # (a shared link could only say "chat").
            "links": {
                user: page_links.for_page(settings, page_id=page.id, who=user, at=now)
                for user in users
            },
        },
    )
    for user in users:
        contact = config.people.get(user)
        if contact is None or contact.email is None:
            continue
        mine = page_links.for_page(settings, page_id=page.id, who=user, at=now)
        then = (
            "Nobody acknowledged it at any level of its escalation policy: you are its last "
            "resort.\n"
            if event_type == "page.exhausted"
            else "If nobody acknowledges, the page escalates to the next level.\n"
        )
        enqueue_email(
            session,
            clock,
            to=contact.email,
            subject=f"[{page.severity}] {key}: {page.summary}"[:300],
            body=(
                f"You are paged (level {page.step + 1}) for {key}{case}.\n\n{page.summary}\n\n"
                f"Acknowledge: {mine['acknowledge']}\nResolve: {mine['resolve']}\n\n{then}"
            ),
        )


def person_of(actor: str) -> str:
    """The username in an actor (``user:ana``, ``link:ana``), or the actor as it is."""
    kind, _, name = actor.partition(":")
    return name if kind in {"user", "link"} and name else actor


def tell_acknowledged(
    session: Session, clock: Clock, config: OncallConfig, page: Page, actor: str
) -> None:
    """Email everyone the page reached, but the one who acknowledged, that someone has it."""
    who = person_of(actor)
    key = page_key(page)
    for user in page.paged:
        contact = config.people.get(user)
        if user == who or contact is None or contact.email is None:
            continue
        enqueue_email(
            session,
            clock,
            to=contact.email,
            subject=f"[{page.severity}] {key} acknowledged by {who}"[:300],
            body=(
                f"{who} acknowledged {key}"
                + (f" (case {page.case_key})" if page.case_key else "")
                + f": {page.summary}\n\nYou were paged for it; nothing more is asked of you.\n"
            ),
        )
