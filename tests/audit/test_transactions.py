"""Audit events belong to the transaction, or savepoint, they were recorded in."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.audit.chain import chain_of
from watchfloor.audit.models import AuditEvent
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime


def note(runtime: Runtime, session: Session, object_id: str, action: str = "x.changed") -> None:
    audit.record(
        session,
        at=runtime.clock.now(),
        actor="system:test",
        action=action,
        object_type="x",
        object_id=object_id,
    )


def written(runtime: Runtime) -> list[tuple[str, str]]:
    """(object, action) of every event written, in object order (events are inserted by chain)."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(text("SELECT object_id, action FROM audit_events ORDER BY object_id"))
        return [(r[0], r[1]) for r in rows]


def test_a_rolled_back_transaction_takes_its_events_with_it(runtime: Runtime) -> None:
    session = runtime.sessions()
    try:
        note(runtime, session, "1", "x.rolled_back")
        session.rollback()
        note(runtime, session, "2", "x.kept")
        session.commit()
    finally:
        session.close()
    assert written(runtime) == [("2", "x.kept")]
    with session_scope(runtime.sessions) as s:
        assert audit.verify(s).ok


def test_a_rolled_back_savepoint_takes_only_its_own_events(runtime: Runtime) -> None:
    with session_scope(runtime.sessions) as s:
        note(runtime, s, "1", "x.before")
        with pytest.raises(RuntimeError), s.begin_nested():
            note(runtime, s, "2", "x.inside")
            raise RuntimeError("undo the savepoint")
        with s.begin_nested():
            note(runtime, s, "3", "x.released")
        note(runtime, s, "4", "x.after")
    assert written(runtime) == [("1", "x.before"), ("3", "x.released"), ("4", "x.after")]


def test_a_released_savepoint_s_events_go_if_the_transaction_rolls_back(
    runtime: Runtime,
) -> None:
    with pytest.raises(RuntimeError), session_scope(runtime.sessions) as s:
        with s.begin_nested():
            note(runtime, s, "1")
        raise RuntimeError("undo everything")
    assert written(runtime) == []


def test_releasing_a_savepoint_does_not_seal(runtime: Runtime) -> None:
    """The seal runs once, at the outermost commit: a savepoint release neither inserts the
    events nor takes chain head locks in the middle of the transaction."""
    with session_scope(runtime.sessions) as s:
        note(runtime, s, "1")
        with s.begin_nested():
            note(runtime, s, "2")
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0
        assert audit.has_pending(s)
    assert [object_id for object_id, _ in written(runtime)] == ["1", "2"]
    with session_scope(runtime.sessions) as s:
        assert audit.verify(s).ok


def _two_chains() -> tuple[str, str]:
    first = "a"
    for n in range(1000):
        if chain_of("x", f"b{n}") != chain_of("x", first):
            return first, f"b{n}"
    raise AssertionError("no second chain")


@pytest.mark.postgres_only
def test_two_transactions_that_release_savepoints_do_not_deadlock(runtime: Runtime) -> None:
    """Two transactions each release a savepoint after recording about one object, then record
    about the other's object and commit: sealing at the release locked the chains in two rounds
    and the second rounds waited for each other (PostgreSQL: deadlock detected)."""
    one, other = _two_chains()
    released = [threading.Event(), threading.Event()]
    errors: list[BaseException] = []

    def writer(me: int, first: str, second: str) -> Callable[[], None]:
        def run() -> None:
            try:
                if me == 1 and not released[0].wait(30):
                    raise TimeoutError("the other writer never released its savepoint")
                with session_scope(runtime.sessions) as s:
                    note(runtime, s, first)
                    with s.begin_nested():
                        s.execute(text("SELECT 1"))
                    released[me].set()
                    if me == 0 and not released[1].wait(30):
                        raise TimeoutError("the other writer never released its savepoint")
                    note(runtime, s, second)
            except BaseException as exc:
                errors.append(exc)
                released[me].set()

        return run

    threads = [
        threading.Thread(target=writer(0, one, other)),
        threading.Thread(target=writer(1, other, one)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(object_id for object_id, _ in written(runtime)) == sorted([one, other] * 2)
    with session_scope(runtime.sessions) as s:
        assert audit.verify(s).ok
