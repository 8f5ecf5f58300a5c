"""The demo's incident: a scam campaign declared from the day's open fraud cases an hour ago, so
the floor shows an active incident and its room has roles, a timeline, a task and an update due."""

from __future__ import annotations

from datetime import datetime, timedelta

from watchfloor.auth import service as auth
from watchfloor.cases import service as cases
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.incidents import roles, tasks, timeline
from watchfloor.incidents import service as incidents
from watchfloor.incidents.config import Channels
from watchfloor.incidents.schemas import DeclareIn, EntryIn, TaskIn
from watchfloor.runtime import Runtime

DECLARED_AGO = timedelta(minutes=70)
LINKED = 12


def declare_campaign(runtime: Runtime, *, now: datetime) -> str | None:
    """Declare the demo's SEV2 scam campaign (commanded by the shift lead, Legal paged) from up
    to 12 open fraud cases; its key, or None when the day had no open fraud case."""
    clock = SettableClock(now - DECLARED_AGO)
    config = runtime.config.incidents
    with session_scope(runtime.sessions) as session:
        found = cases.list_cases(
            session, where=cases.CaseFilter(harm_area="fraud_scams"), limit=200
        )
        keys = [c.key for c in found if c.created_at <= clock.now()][:LINKED]
        if not keys:
            return None
        lead = auth.get_or_raise(session, username="lena")
        incident = incidents.declare(
            session,
            clock,
            config,
            runtime.config.taxonomy,
            body=DeclareIn(
                severity="SEV2",
                title="Gift-card scam campaign impersonating support",
                harm_area="fraud_scams",
                cases=keys,
                summary="Accounts posing as our support staff send users to a fake gift-card "
                "'verification' page.",
                channels=Channels(emails=["trust-safety-leads@example.org"]),
            ),
            by=lead,
        )
        roles.assign(
            session,
            clock,
            runtime.pager,
            config,
            incident=incident,
            role="commander",
            user="lena",
            by=lead,
        )
        roles.assign(
            session,
            clock,
            runtime.pager,
            config,
            incident=incident,
            role="legal",
            user="lee",
            by=lead,
        )
        clock.advance(timedelta(minutes=20))
        timeline.add_entry(
            session,
            clock,
            incident=incident,
            body=EntryIn(
                kind="decision",
                text="Suspend every account sending the fake verification link",
                basis="Fraud and scams policy FS-2 (impersonation)",
                key=True,
            ),
            by=lead,
        )
        tasks.add(
            session,
            clock,
            incident=incident,
            body=TaskIn(
                title="Ask the payments team to block the gift-card merchant",
                owner="lena",
                due_at=now - timedelta(minutes=10),
            ),
            by=lead,
        )
        return incident.key
