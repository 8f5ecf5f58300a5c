"""Audited writes for the audit tests: a few events about one object, committed together."""

from __future__ import annotations

from watchfloor.audit import service as audit
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime


def write(runtime: Runtime, object_id: str, events: int) -> None:
    """Commit ``events`` audit events about object ``x:object_id`` in one transaction."""
    with session_scope(runtime.sessions) as s:
        for n in range(events):
            audit.record(
                s,
                at=runtime.clock.now(),
                actor="system:test",
                action=f"x.step{n}",
                object_type="x",
                object_id=object_id,
                after={"n": n},
            )
