"""Group commit: requests that arrive together are written in one transaction.

Each transaction costs a fixed price on top of its rows: opening it, the idempotency lookup, the
audit chain lock, the commit and its disk flush. When many callers each write one small item at
the same moment (single reports from busy sources), that price is paid once per group instead
of once per item (for intake on PostgreSQL, a report stored alone cost three to four times its
share of a group of eight). A database does the same with its own commits, and the name is
borrowed from there.

How it works: a caller queues its item and, if nobody is writing, becomes the *leader*. The
leader takes everything queued with the same group key as the first item, which is its own (at
most ``max_group``), runs it as one unit, hands each waiting caller its own result, and passes
the lead to the first caller still waiting. No thread of its own, so nothing to start or
stop, and a caller alone pays no wait at all: it leads a group of one.

Callers can *announce* an item before it is ready (a request whose caller is still being
authenticated). A leader about to run a group waits for announced items, at most ``max_wait``
seconds, so they join it rather than queue behind it; with nothing announced it never waits.
PostgreSQL's ``commit_delay``, which applies only while ``commit_siblings`` other transactions
are active, is the same idea.

A group that fails is run again one item at a time, so each caller gets the outcome its item
alone would have had, exactly as without grouping: one bad item never fails its neighbours.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False)
class _Waiter(Generic[K, T, R]):
    key: K
    item: T
    wake: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    leads: bool = False
    result: R | None = None
    error: BaseException | None = None


@dataclass(eq=False)
class Announcement:
    """An item on its way: give it to ``submit``; unused, it is withdrawn when its block ends."""

    submitted: bool = False


class GroupCommit(Generic[K, T, R]):
    """Runs callers' items in groups: ``run(key, items)`` returns one result per item, in order.

    ``submit`` blocks its (worker) thread until its item's group has run, and returns that item's
    result or raises its exception. Items are grouped only with items of the same ``key`` (for
    intake, the submitting user, so each group has one actor in the audit trail).
    """

    def __init__(
        self,
        run: Callable[[K, list[T]], list[R]],
        *,
        max_group: int = 64,
        max_wait: float = 0.005,
    ) -> None:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        if max_wait < 0:
            raise ValueError("max_wait must not be negative")
        self._run = run
        self._max_group = max_group
        self._max_wait = max_wait
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # an item queued or withdrawn
        self._queue: list[_Waiter[K, T, R]] = []
        self._announced = 0
        self._leading = False
        self.groups = 0  # groups run so far, singles after a failure included (for tests, stats)

    @contextmanager
    def announce(self) -> Iterator[Announcement]:
        """Say an item is coming; pass what this yields to ``submit`` within the block."""
        announcement = Announcement()
        with self._lock:
            self._announced += 1
        try:
            yield announcement
        finally:
            if not announcement.submitted:
                with self._lock:
                    self._announced -= 1
                    self._arrived.notify_all()

    def waiting(self) -> int:
        """Items queued and not yet taken into a group."""
        with self._lock:
            return len(self._queue)

    def submit(self, key: K, item: T, announced: Announcement | None = None) -> R:
        me: _Waiter[K, T, R] = _Waiter(key, item)
        with self._lock:
            if announced is not None and not announced.submitted:
                announced.submitted = True
                self._announced -= 1
            self._queue.append(me)
            self._arrived.notify_all()
            if not self._leading:
                self._leading = me.leads = True
        while not me.done:
            if not me.leads:
                me.wake.wait()
                me.wake.clear()
                continue
            try:
                while not me.done:
                    self._run_next_group()
            finally:
                self._pass_lead(me)
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]  # set whenever error is not

    def _run_next_group(self) -> None:
        with self._lock:
            deadline = time.monotonic() + self._max_wait
            while self._announced and len(self._queue) < self._max_group:
                left = deadline - time.monotonic()
                if left <= 0 or not self._arrived.wait(left):
                    break
            head = self._queue[0].key
            group = [w for w in self._queue if w.key == head][: self._max_group]
            taken = set(map(id, group))
            self._queue = [w for w in self._queue if id(w) not in taken]
        try:
            self._settle(group, self._attempt(head, group))
        except BaseException as exc:
            # Something beyond one item's failure (the leader interrupted, say): nobody in the
            # group may wait for ever, so each gets the error; the leader's caller sees it too.
            self._settle(group, [(None, exc)] * len(group))
            raise

    def _attempt(
        self, key: K, group: list[_Waiter[K, T, R]]
    ) -> list[tuple[R | None, Exception | None]]:
        self.groups += 1
        try:
            results = self._run(key, [w.item for w in group])
            if len(results) != len(group):
                raise RuntimeError(f"group run gave {len(results)} results for {len(group)} items")
            return [(r, None) for r in results]
        except Exception as exc:  # noqa: BLE001 - handed to its caller, raised there
            if len(group) == 1:
                return [(None, exc)]
        # Run each alone: its own transaction, its own outcome.
        return [self._attempt(key, [w])[0] for w in group]

    def _settle(
        self,
        group: list[_Waiter[K, T, R]],
        outcomes: Sequence[tuple[R | None, BaseException | None]],
    ) -> None:
        for waiter, (result, error) in zip(group, outcomes, strict=True):
            waiter.result, waiter.error, waiter.done = result, error, True
            waiter.wake.set()

    def _pass_lead(self, leader: _Waiter[K, T, R]) -> None:
        with self._lock:
            if not leader.done:  # interrupted before its group was taken: withdraw its item
                self._queue.remove(leader)
            if not self._queue:  # the queue holds only items no group has taken yet
                self._leading = False
                return
            waiting = self._queue[0]
            waiting.leads = True
        waiting.wake.set()
