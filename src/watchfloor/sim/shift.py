"""A simulated working day on the floor, through the real services and a clock that moves.

Reports arrive through intake as the day goes. Analysts on shift take `next` (queues.claim_next,
which respects their profiles), work each case for a plausible time and decide it; some ask the
reporter for more and wait (pending_info), some escalate to the shift lead, who takes the
escalations, writes guidance and decides. P0s are paged to on-call, who acknowledge from the
page's link. The worker's jobs run as time moves (SLA sweep, page escalation), the lead records
the hand-off when taking the floor and hands the waiting cases of analysts who go home to those
who stay. Everything is deterministic for a random.Random and a start time.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from watchfloor.auth.models import User
from watchfloor.cases import exposure, notes, waiting
from watchfloor.cases import flows as case_flows
from watchfloor.cases import service as cases
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.errors import WatchfloorError
from watchfloor.intake import flows as intake_flows
from watchfloor.intake import service as intake
from watchfloor.intake.schemas import ReportIn
from watchfloor.oncall import coverage_gaps, handoff, paging
from watchfloor.oncall import service as oncall
from watchfloor.queues import service as queues
from watchfloor.runtime import Runtime
from watchfloor.sim import casework
from watchfloor.sim.casework import CaseInHand, Outcome
from watchfloor.sla import flows as sla_flows

if TYPE_CHECKING:
    from watchfloor.cases.models import Case

# Working hours (UTC) of each region's shift: follow the sun, with an hour or more of overlap.
SHIFTS = {"APAC": range(0, 9), "EU": range(7, 17), "US": range(14, 24)}
TICK = timedelta(minutes=5)  # how often reports are taken in and the worker's jobs run
LINK_WINDOW = timedelta(hours=72)
PAGE_ACKNOWLEDGED = 0.85  # share of pages on-call acknowledge (the rest escalate)


@dataclass
class Desk:
    """An analyst (or the shift lead) at work: the case in hand and the cases waiting on others."""

    user: User
    region: str
    lead: bool = False
    free_at: datetime | None = None
    case: CaseInHand | None = None
    plan: Outcome | None = None
    waiting_on_info: list[tuple[datetime, CaseInHand]] = field(default_factory=list)
    idle_at_version: int = -1  # the floor's version when `next` last found nothing

    def on_shift(self, at: datetime) -> bool:
        return at.hour in SHIFTS[self.region]


@dataclass
class _Event:
    at: datetime
    run: Callable[[Session], None]


def _in_hand(case: Case) -> CaseInHand:
    return CaseInHand(
        key=case.key,
        priority=case.priority,
        harm_area=case.harm_area,
        suggested_policy=case.suggested_policy,
        report_count=case.report_count,
    )


class WorkingDay:
    """The day's state as the clock moves: desks, escalations and pages waiting on someone."""

    def __init__(
        self,
        runtime: Runtime,
        clock: SettableClock,
        rng: random.Random,
        desks: list[Desk],
        incoming: list[tuple[datetime, ReportIn]],
    ) -> None:
        self.runtime, self.clock, self.rng, self.desks = runtime, clock, rng, desks
        self.incoming = incoming
        self.cursor = 0
        self.version = 0  # goes up whenever new work lands on the floor
        self.escalated: list[CaseInHand] = []
        self.pending_pages: list[tuple[datetime, int, int]] = []  # (when acked, seq, page id)
        self.seen_pages: set[int] = set()
        self.resolved: set[str] = set()
        self.stats: Counter[str] = Counter()
        self.handed_off = False

    # The day ---------------------------------------------------------------------------------

    def run(self, start: datetime, end: datetime) -> Counter[str]:
        """Work from ``start`` to ``end``; what was done (reports, decided, escalated, …)."""
        tick = start
        while tick < end:
            until = min(tick + TICK, end)
            self.clock.set(tick)
            self._worker_round()
            with session_scope(self.runtime.sessions) as session:
                self._take_in(session, tick)
                self._lead_duties(session, tick, until)
                self._work(session, tick, until)
            tick = until
        self.clock.set(end)
        with session_scope(self.runtime.sessions) as session:
            self._take_in(session, end)
        self._worker_round()
        return self.stats

    def _worker_round(self) -> None:
        """The worker's jobs the floor's state depends on, as `watchfloor worker` runs them."""
        rt = self.runtime
        while sla_flows.sweep_once(rt.sessions, self.clock, rt.pager, sla=rt.config.sla) >= 500:
            pass
        paging.advance_due(rt.sessions, self.clock, rt.pager)
        coverage_gaps.page_gaps(rt.sessions, self.clock, rt.pager)

    def _take_in(self, session: Session, now: datetime) -> None:
        batch = []
        while self.cursor < len(self.incoming) and self.incoming[self.cursor][0] <= now:
            batch.append(self.incoming[self.cursor][1])
            self.cursor += 1
        if not batch:
            return
        intake_flows.ingest(
            session,
            self.clock,
            config=self.runtime.config,
            link_window=LINK_WINDOW,
            reports=batch,
            actor="user:detector-hub",
        )
        self.stats["reports"] += len(batch)
        self.version += 1

    def _work(self, session: Session, start: datetime, until: datetime) -> None:
        """Everything people do between ``start`` and ``until``, in the order it happens."""
        queue: list[tuple[datetime, int, _Event]] = []
        seq = 0

        def add(event: _Event) -> None:
            nonlocal seq
            if event.at < until:
                seq += 1
                heapq.heappush(queue, (max(event.at, start), seq, event))

        self._new_pages(session, add)
        while self.pending_pages and self.pending_pages[0][0] < until:
            at, _, page_id = heapq.heappop(self.pending_pages)
            add(_Event(at, partial(self._acknowledge, page_id)))
        for desk in self.desks:
            add(_Event(desk.free_at or start, partial(self._desk_free, desk, add, until)))
        while queue:
            at, _, event = heapq.heappop(queue)
            self.clock.set(at)
            event.run(session)

    # People ----------------------------------------------------------------------------------

    def _desk_free(
        self, desk: Desk, add: Callable[[_Event], None], until: datetime, session: Session
    ) -> None:
        """``desk`` finished what was in hand: record it, then take the next piece of work."""
        now = self.clock.now()
        if desk.case is not None:
            self._attempt(session, lambda: self._finish(session, desk))
            desk.case, desk.plan = None, None
        desk.free_at = until
        if not desk.on_shift(now):
            return
        if not self._attempt(session, lambda: self._take_work(session, desk)):
            return
        if desk.case is not None:
            minutes = casework.handling_minutes(self.rng, desk.case) + self.rng.uniform(0, 3)
            desk.free_at = now + timedelta(minutes=minutes)
            add(_Event(desk.free_at, partial(self._desk_free, desk, add, until)))

    def _attempt(self, session: Session, step: Callable[[], object]) -> bool:
        """Run one person's step in a savepoint: a refused step (someone else's change got
        there first) is undone alone and counted, as a person would shrug and move on."""
        try:
            with session.begin_nested():
                step()
        except WatchfloorError:
            self.stats["refused"] += 1
            return False
        return True

    def _take_work(self, session: Session, desk: Desk) -> None:
        now = self.clock.now()
        if desk.lead and self.escalated:
            case = self.escalated.pop(0)
            self._move(session, desk, case.key, "assign")
            desk.case, desk.plan = case, "decide"
            self.stats["lead_took"] += 1
            return
        answered = [item for item in desk.waiting_on_info if item[0] <= now]
        if answered:
            desk.waiting_on_info.remove(answered[0])
            case = answered[0][1]
            self._move(session, desk, case.key, "info_received")
            desk.case, desk.plan = case, "decide"
            return
        if desk.idle_at_version == self.version:
            return  # nothing new since `next` last came back empty
        config = self.runtime.config
        claimed = queues.claim_next(
            session,
            self.clock,
            queues=config.queues,
            queue=None,
            analyst=desk.user,
            taxonomy=config.taxonomy,
        )
        if claimed is None:
            desk.idle_at_version = self.version
            return
        desk.case = _in_hand(claimed)
        lead_here = any(d.lead and d.on_shift(now) for d in self.desks)
        desk.plan = casework.outcome(self.rng, desk.case, lead_on_shift=lead_here)
        self.stats["claimed"] += 1
        if desk.case.priority == 0 and self.rng.random() < 0.6:
            self._page_for(session, desk, claimed)

    def _finish(self, session: Session, desk: Desk) -> None:
        case = desk.case
        assert case is not None
        now = self.clock.now()
        if desk.plan == "request_info":
            self._move(
                session, desk, case.key, "request_info", casework.info_request(self.rng, case)
            )
            answer_in = timedelta(minutes=self.rng.uniform(45, 480))
            desk.waiting_on_info.append((now + answer_in, case))
            self.stats["pending_info"] += 1
            return
        if desk.plan == "escalate":
            reason = casework.escalation_reason(self.rng, case)
            self._move(session, desk, case.key, "escalate", reason)
            self.escalated.append(case)
            self.stats["escalated"] += 1
            return
        row = cases.get_or_raise(session, key=case.key)
        if desk.lead:
            notes.add_note(
                session,
                self.clock,
                case=row,
                author=desk.user,
                body=self.rng.choice(casework.LEAD_GUIDANCE),
            )
            self.stats["notes"] += 1
        elif self.rng.random() < 0.15:
            body = casework.note(self.rng, case)
            notes.add_note(session, self.clock, case=row, author=desk.user, body=body)
            self.stats["notes"] += 1
        if self.rng.random() < 0.4:
            self._reveal_some_evidence(session, desk, row)
        case_flows.decide(
            session,
            self.clock,
            key=case.key,
            decision=casework.decision(self.rng, case, self.runtime.config.taxonomy),
            actor=desk.user,
            can_act_for_others=False,
            taxonomy=self.runtime.config.taxonomy,
        )
        self.resolved.add(case.key)
        self.stats["decided"] += 1

    def _reveal_some_evidence(self, session: Session, desk: Desk, case: Case) -> None:
        """Look at one blurred graphic item, as the evidence sometimes needs: it is counted."""
        reports = intake.reports_of_case(session, case_id=case.id)
        items = intake.evidence_of(session, report_ids=[r.id for r in reports])
        graphic = [e for batch in items.values() for e in batch if e.sensitivity == "graphic"]
        if graphic:
            exposure.reveal(session, self.clock, user=desk.user, case=case, evidence=graphic[0])
            self.stats["revealed"] += 1

    def _move(
        self, session: Session, desk: Desk, key: str, action: str, note: str | None = None
    ) -> None:
        case_flows.move(
            session,
            self.clock,
            key=key,
            action=action,
            actor=desk.user,
            can_act_for_others=desk.lead,
            note=note,
            sla=self.runtime.config.sla,
        )

    # The lead ---------------------------------------------------------------------------------

    def _lead_duties(self, session: Session, now: datetime, until: datetime) -> None:
        """Take the hand-off on arriving; hand the waiting cases of those going home to others."""
        lead = next((d for d in self.desks if d.lead and d.on_shift(now)), None)
        if lead is None:
            return
        self.clock.set(now)
        if not self.handed_off:
            self._attempt(session, lambda: self._record_handoff(session, lead))
        staying = [d for d in self.desks if not d.lead and d.on_shift(until)]
        for leaving in self.desks:
            if leaving.lead or not leaving.on_shift(now) or leaving.on_shift(until) or not staying:
                continue
            for item in list(leaving.waiting_on_info)[:3]:
                taker = min(staying, key=lambda d: len(d.waiting_on_info))
                why = f"{leaving.user.username} is off shift; {taker.user.username} takes the reply"
                hand_over = partial(
                    case_flows.move,
                    session,
                    self.clock,
                    key=item[1].key,
                    action="assign",
                    actor=lead.user,
                    can_act_for_others=True,
                    assignee_name=taker.user.username,
                    note=why,
                    sla=self.runtime.config.sla,
                )
                moved = self._attempt(session, hand_over)
                if moved:
                    leaving.waiting_on_info.remove(item)
                    taker.waiting_on_info.append(item)
                    self.stats["reassigned"] += 1

    def _record_handoff(self, session: Session, lead: Desk) -> None:
        backlog = sum(n for _, _, n, _ in waiting.depth_by_queue_and_priority(session))
        held = sum(len(d.waiting_on_info) for d in self.desks)
        text = (
            f"Took the floor from APAC: {backlog} case(s) waiting, {held} waiting on a reply, "
            f"{len(self.escalated)} escalation(s) for me. Paged P0s are with on-call."
        )
        handoff.record(session, self.clock, by=lead.user, note=text)
        self.handed_off = True
        self.stats["handoffs"] += 1

    # On-call ----------------------------------------------------------------------------------

    def _page_for(self, session: Session, desk: Desk, case: Case) -> None:
        """Risk to life: the analyst pages the incident manager on call as they start."""
        page = oncall.page(
            session,
            self.clock,
            self.runtime.pager,
            schedule=None,
            summary=f"{case.key} (P0, {case.harm_area}): risk to life, analyst on it",
            severity="P0",
            case_key=case.key,
            dedup_key=f"case:{case.key}",
            actor=f"user:{desk.user.username}",
        )
        self.stats["paged"] += 1
        self._schedule_ack(page.id, self.clock.now())

    def _new_pages(self, session: Session, add: Callable[[_Event], None]) -> None:
        """Pages the sweep raised for breaches since the last round: on-call answers them too."""
        for page in paging.list_pages(session, state="triggered", limit=50):
            if page.id not in self.seen_pages:
                self._schedule_ack(page.id, page.created_at)

    def _schedule_ack(self, page_id: int, paged_at: datetime) -> None:
        self.seen_pages.add(page_id)
        if self.rng.random() < PAGE_ACKNOWLEDGED:
            at = paged_at + timedelta(minutes=self.rng.uniform(2, 12))
            heapq.heappush(self.pending_pages, (at, page_id, page_id))

    def _acknowledge(self, page_id: int, session: Session) -> None:
        def answer() -> None:
            page = paging.get_or_404(session, page_id)
            if page.state != "triggered":
                return
            who = f"link:{page.paged[0]}" if page.paged else "link:on-call"
            config = self.runtime.config.oncall
            paging.acknowledge(session, self.clock, config, page_id=page_id, actor=who)
            self.stats["pages_acknowledged"] += 1
            if page.case_key in self.resolved:  # the analyst was quicker: nothing left to do
                paging.resolve(session, self.clock, page_id=page_id, actor=who)

        self._attempt(session, answer)
