"""The case state machine, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchfloor.cases.lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    Status,
    allowed_actions,
    next_status,
)

ACTIONS = [*TRANSITIONS, "teleport"]


@given(st.lists(st.sampled_from(ACTIONS), max_size=40))
def test_any_sequence_of_actions_keeps_a_valid_status(actions: list[str]) -> None:
    status = Status.NEW
    for action in actions:
        if action in allowed_actions(status):
            status = next_status(status, action)
        else:
            with pytest.raises(IllegalTransition) as err:
                next_status(status, action)
            assert err.value.current is status
            assert err.value.allowed == allowed_actions(status)
    assert status in set(Status)


def test_every_status_can_be_left_or_is_closed() -> None:
    for status in Status:
        assert allowed_actions(status), f"{status} is a dead end"


def test_every_open_case_can_reach_resolved() -> None:
    for start in OPEN_STATUSES:
        seen, frontier = {start}, [start]
        while frontier:
            s = frontier.pop()
            for action in allowed_actions(s):
                nxt = next_status(s, action)
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert Status.RESOLVED in seen, start


def test_the_message_names_the_current_state_and_allowed_actions() -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(Status.CLOSED, "resolve")
    assert str(err.value) == "cannot resolve a case that is closed; allowed from closed: reopen"
    with pytest.raises(IllegalTransition) as err:
        next_status(Status.NEW, "teleport")
    assert "unknown action 'teleport'" in str(err.value)


def test_reopen_returns_to_the_queue() -> None:
    assert next_status(Status.RESOLVED, "reopen") is Status.TRIAGED
    assert next_status(Status.CLOSED, "reopen") is Status.TRIAGED
