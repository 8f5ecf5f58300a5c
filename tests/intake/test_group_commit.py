"""Group commit without a database: who runs what, and who gets which answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from watchfloor.intake.group_commit import GroupCommit


class Recorder:
    """A run function that records its groups and can hold the first one until told."""

    def __init__(self) -> None:
        self.groups: list[tuple[str, list[int]]] = []
        self.hold = threading.Event()
        self.held = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, key: str, items: list[int]) -> list[str]:
        with self.lock:
            first = not self.groups
            self.groups.append((key, list(items)))
        if first:
            self.held.set()
            assert self.hold.wait(10)
        if any(i < 0 for i in items):
            raise ValueError(f"bad item {min(items)}")
        return [f"{key}:{i}" for i in items]


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def run_callers(
    commit: GroupCommit[str, int, str], calls: list[tuple[str, int]]
) -> tuple[dict[int, str], dict[int, BaseException], list[threading.Thread]]:
    results: dict[int, str] = {}
    errors: dict[int, BaseException] = {}

    def call(key: str, item: int) -> None:
        try:
            results[item] = commit.submit(key, item)
        except BaseException as exc:
            errors[item] = exc

    threads = [threading.Thread(target=call, args=c) for c in calls]
    for t in threads:
        t.start()
    return results, errors, threads


def test_a_caller_alone_runs_its_own_group_of_one() -> None:
    run = Recorder()
    run.hold.set()
    commit = GroupCommit(run)
    assert commit.submit("a", 1) == "a:1"
    assert commit.submit("a", 2) == "a:2"
    assert run.groups == [("a", [1]), ("a", [2])]


def test_callers_arriving_while_a_group_runs_share_the_next_one() -> None:
    run = Recorder()
    commit = GroupCommit(run)
    results, errors, first = run_callers(commit, [("a", 0)])
    assert run.held.wait(10)
    results2, errors2, rest = run_callers(commit, [("a", i) for i in range(1, 11)])
    wait_for(lambda: commit.waiting() == 10)
    run.hold.set()
    for t in first + rest:
        t.join(10)
    results.update(results2)
    assert not errors and not errors2
    assert results == {i: f"a:{i}" for i in range(11)}
    assert run.groups[0] == ("a", [0])
    assert len(run.groups) == 2 and sorted(run.groups[1][1]) == list(range(1, 11))


def test_a_failing_item_fails_alone_and_its_neighbours_are_stored() -> None:
    run = Recorder()
    commit = GroupCommit(run)
    _, _, first = run_callers(commit, [("a", 0)])
    assert run.held.wait(10)
    results, errors, rest = run_callers(commit, [("a", 1), ("a", -5), ("a", 2)])
    wait_for(lambda: commit.waiting() == 3)
    run.hold.set()
    for t in first + rest:
        t.join(10)
    assert results == {1: "a:1", 2: "a:2"}
    assert isinstance(errors[-5], ValueError) and "bad item -5" in str(errors[-5])
    # The group of three failed as a whole, then each ran alone.
    assert sorted(run.groups[1][1]) == [-5, 1, 2]
    assert sorted(g for _, g in run.groups[2:]) == [[-5], [1], [2]]
    assert commit.groups == 5


def test_items_of_different_keys_never_share_a_group_and_groups_have_a_cap() -> None:
    run = Recorder()
    commit = GroupCommit(run, max_group=3)
    _, _, first = run_callers(commit, [("a", 0)])
    assert run.held.wait(10)
    calls = [("a", 1), ("b", 2), ("a", 3), ("b", 4), ("a", 5), ("a", 6), ("a", 7)]
    results, errors, rest = run_callers(commit, calls)
    wait_for(lambda: commit.waiting() == len(calls))
    run.hold.set()
    for t in first + rest:
        t.join(10)
    assert not errors
    assert results == {i: f"{k}:{i}" for k, i in calls}
    key_of = {i: k for k, i in [*calls, ("a", 0)]}
    for key, items in run.groups:
        assert all(key_of[i] == key for i in items)
        assert len(items) <= 3
    assert sorted(i for _, items in run.groups for i in items) == list(range(8))


def test_a_run_that_answers_the_wrong_number_of_items_is_an_error_for_each() -> None:
    commit: GroupCommit[str, int, str] = GroupCommit(lambda key, items: [])
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        commit.submit("a", 1)


def test_max_group_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(Recorder(), max_group=0)


def test_a_leader_waits_for_an_announced_item_and_takes_it_along() -> None:
    run = Recorder()
    run.hold.set()
    commit = GroupCommit(run, max_wait=30)
    with commit.announce() as coming:
        results, errors, leader = run_callers(commit, [("a", 1)])
        wait_for(lambda: commit.waiting() == 1)  # the leader is queued, waiting for "coming"
        assert commit.submit("a", 2, coming) == "a:2"
    leader[0].join(10)
    assert results == {1: "a:1"} and not errors
    assert run.groups == [("a", [1, 2])]


def test_a_withdrawn_announcement_frees_the_waiting_leader() -> None:
    run = Recorder()
    run.hold.set()
    commit = GroupCommit(run, max_wait=30)
    with commit.announce():
        results, _, leader = run_callers(commit, [("a", 1)])
        wait_for(lambda: commit.waiting() == 1)
    leader[0].join(10)  # well before the 30 s the leader would otherwise wait
    assert not leader[0].is_alive()
    assert results == {1: "a:1"} and run.groups == [("a", [1])]


def test_an_announced_item_that_never_comes_delays_a_group_by_max_wait_at_most() -> None:
    run = Recorder()
    run.hold.set()
    commit = GroupCommit(run, max_wait=0.01)
    with commit.announce():
        assert commit.submit("a", 1) == "a:1"
        assert commit.submit("a", 2) == "a:2"
    assert run.groups == [("a", [1]), ("a", [2])]


def test_max_wait_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        GroupCommit(Recorder(), max_wait=-1)


def test_a_leader_interrupted_while_waiting_strands_nobody(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Interrupt(BaseException):
        pass

    run = Recorder()
    run.hold.set()
    commit = GroupCommit(run, max_wait=30)
    waits = 0

    def interrupted_once(timeout: float | None = None) -> bool:
        nonlocal waits
        waits += 1
        raise Interrupt

    with commit.announce():
        monkeypatch.setattr(commit._arrived, "wait", interrupted_once)
        with pytest.raises(Interrupt):
            commit.submit("a", 1)
    assert waits == 1 and commit.waiting() == 0  # its item withdrawn, the lead free
    results, errors, after = run_callers(commit, [("a", 2)])
    after[0].join(10)
    assert not after[0].is_alive(), "the next caller waits for a leader that has gone"
    assert results == {2: "a:2"} and not errors
    assert run.groups == [("a", [2])]
