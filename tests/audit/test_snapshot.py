"""Verify reads one snapshot: writers committing while it walks the chains are not tampering."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event

from tests.audit import writing
from watchfloor.audit import service as audit
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime


def write(runtime: Runtime, object_id: str, events: int = 3) -> None:
    writing.write(runtime, object_id, events)


def test_events_committed_between_verify_s_reads_are_not_tampering(runtime: Runtime) -> None:
    """A writer commits after verify read the chain heads and before it read the events: the
    moment that made it report "chain N ends at event #662 but 660 were written"."""
    for n in range(20):
        write(runtime, f"seed{n}")
    fired = threading.Event()
    main = threading.get_ident()

    def commit_in_between(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            threading.get_ident() == main
            and not fired.is_set()
            and statement.lstrip().upper().startswith("SELECT")
            and "FROM audit_events" in statement
        ):
            fired.set()
            writers = [
                threading.Thread(target=write, args=(runtime, f"seed{n}")) for n in range(20)
            ]
            for t in writers:
                t.start()
            for t in writers:
                t.join(60)

    event.listen(Engine, "before_cursor_execute", commit_in_between)
    try:
        with session_scope(runtime.sessions) as s:
            result = audit.verify(s)
    finally:
        event.remove(Engine, "before_cursor_execute", commit_in_between)
    assert fired.is_set()
    assert result.ok, result.problem
    assert result.events == 60  # what was there when verify began, not what came after
    with session_scope(runtime.sessions) as s:
        after = audit.verify(s)
    assert after.ok and after.events == 120


def test_verify_is_ok_while_writers_keep_writing(runtime: Runtime) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0, 0, 0]

    def writer(me: int) -> None:
        try:
            while not stop.is_set():
                write(runtime, f"w{me}-{written[me] % 50}", events=2)
                written[me] += 2
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(me,)) for me in range(3)]
    for t in threads:
        t.start()
    results = []
    try:
        for _ in range(6):
            with session_scope(runtime.sessions) as s:
                results.append(audit.verify(s))
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert errors == []
    assert [r.problem for r in results if not r.ok] == []
    with session_scope(runtime.sessions) as s:
        final = audit.verify(s)
    assert final.ok and final.events == sum(written)
