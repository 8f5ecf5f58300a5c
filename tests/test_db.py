"""Storage details with their own fast paths: bulk inserts that return rows
(``bulk.upsert_returning``, ``bulk.insert_new_returning``; PostgreSQL gets the rows as one JSON
document, so every value must come back as sent), and timestamps as SQLite stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from watchfloor.bulk import insert_new_returning, upsert_returning
from watchfloor.db import UTCDateTime, core, one_of, session_scope
from watchfloor.intake.models import Report, Subject, WaitingReport
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings

SUBJECTS: Table = Subject.__table__  # type: ignore[assignment]
WAITING: Table = WaitingReport.__table__  # type: ignore[assignment]
# Values that JSON, SQL and the database's text types each treat specially.
AWKWARD = [
    'quote " and \\ backslash',
    "it's; DROP TABLE subjects; --",
    "line\nbreak\ttab",
    "émoji 🚨 and ünïcode, 中文",
    '{"looks": ["like", "json"]}',
    "%(name)s and %s and $1",
]


def _subject(external_id: str, display_name: str | None, at: datetime) -> dict[str, object]:
    return {
        "kind": "account",
        "external_id": external_id,
        "display_name": display_name,
        "created_at": at,
    }


def test_upsert_returns_every_row_new_or_old_with_values_as_sent(runtime: Runtime) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    at = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=india)
    rows = [_subject(f"acct-{i}", name, at) for i, name in enumerate(AWKWARD)]
    returning = [SUBJECTS.c.id, SUBJECTS.c.external_id, SUBJECTS.c.display_name]
    with session_scope(runtime.sessions) as s:
        first = upsert_returning(
            s, SUBJECTS, rows, ["kind", "external_id"], ["display_name"], returning
        )
    assert [(ext, name) for _, ext, name in first] == [
        (f"acct-{i}", name) for i, name in enumerate(AWKWARD)
    ]
    with session_scope(runtime.sessions) as s:
        stored = s.execute(select(Subject.created_at).where(Subject.external_id == "acct-0"))
        assert stored.scalar_one() == at.astimezone(UTC)
        # Again: a null display name keeps the stored one, a new one replaces it, a new row joins.
        again = upsert_returning(
            s,
            SUBJECTS,
            [
                _subject("acct-0", None, at),
                _subject("acct-1", "renamed", at),
                _subject("acct-new", None, at),
            ],
            ["kind", "external_id"],
            ["display_name"],
            returning,
        )
    ids = {ext: sid for sid, ext, _ in first}
    assert [(sid, ext, name) for sid, ext, name in again] == [
        (ids["acct-0"], "acct-0", AWKWARD[0]),
        (ids["acct-1"], "acct-1", "renamed"),
        (again[2][0], "acct-new", None),
    ]
    assert again[2][0] not in ids.values()


def test_insert_new_returns_only_the_rows_it_stored(runtime: Runtime) -> None:
    now = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)

    def row(external_id: str, payload: str) -> dict[str, object]:
        return {
            "source": "s",
            "external_id": external_id,
            "actor": "user:x",
            "received_at": now,
            "payload": payload,
            "attempts": 0,
            "next_attempt_at": now,
        }

    keys = [WAITING.c.source, WAITING.c.external_id]
    with session_scope(runtime.sessions) as s:
        new = insert_new_returning(
            s,
            WAITING,
            [row("a", AWKWARD[0]), row("b", AWKWARD[3])],
            ["source", "external_id"],
            keys,
        )
    assert sorted(new) == [("s", "a"), ("s", "b")]
    with session_scope(runtime.sessions) as s:
        # "a" is already there (skipped); "c" is new; a key twice in one call is stored once.
        new = insert_new_returning(
            s,
            WAITING,
            [row("a", "other"), row("c", AWKWARD[4]), row("c", "twice")],
            ["source", "external_id"],
            keys,
        )
        assert sorted(new) == [("s", "c")]
        stored = dict(s.execute(select(WaitingReport.external_id, WaitingReport.payload)).all())
        arrived = s.execute(select(WaitingReport.received_at)).scalars().all()
    assert stored == {"a": AWKWARD[0], "b": AWKWARD[3], "c": AWKWARD[4]}
    assert set(arrived) == {now}
    with session_scope(runtime.sessions) as s:
        assert insert_new_returning(s, WAITING, [], ["source", "external_id"], keys) == []
        assert upsert_returning(s, SUBJECTS, [], ["kind", "external_id"], [], [SUBJECTS.c.id]) == []


@given(
    at=st.datetimes(
        min_value=datetime(1, 1, 2),  # 1 January of year 1 has no UTC instant before it
        max_value=datetime(9999, 12, 30),
        timezones=st.timezones(),
    )
)
def test_sqlite_stores_timestamps_as_sqlalchemy_would(at: datetime) -> None:
    """UTCDateTime formats SQLite's text itself; it must be exactly what SQLAlchemy's DATETIME
    makes of the same UTC instant, or stored rows would stop comparing and sorting right."""
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]
    ours = UTCDateTime().bind_processor(dialect)
    theirs = sqlite.DATETIME().bind_processor(dialect)
    assert ours is not None and theirs is not None
    assert ours(at) == theirs(at.astimezone(UTC).replace(tzinfo=None))
    assert ours(None) is None


def _generic_plan(session: Session, stmt: Any) -> str:
    """The plan PostgreSQL keeps for ``stmt`` once psycopg has prepared it (a generic plan)."""
    compiled = stmt.compile(dialect=session.get_bind().dialect)
    names = list(compiled.params)
    sql = str(compiled)
    for n, name in enumerate(names, start=1):
        sql = sql.replace(f"%({name})s", f"${n}")
    conn = core(session)
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE lookup AS {sql}")
    args = ", ".join(
        f"'{{{','.join(map(str, v))}}}'" if isinstance(v, list) else f"'{v}'"
        for v in compiled.params.values()
    )
    plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE lookup({args})"))
    conn.exec_driver_sql("DEALLOCATE lookup")
    return plan


def test_a_lookup_by_many_values_never_tests_each_row_against_the_array(
    postgres_url: str,
) -> None:
    """On a new, empty database, the plan PostgreSQL keeps for looking reports up by a batch's
    ids must not be a scan that tests every row against the whole array: it would stay as the
    table grows, each batch slower than the last."""
    runtime = Runtime.create(Settings(database_url=postgres_url, environment="test"))
    try:
        with session_scope(runtime.sessions) as s:
            stmt = select(Report.id).where(
                Report.source == "s", one_of(s, Report.external_id, ["a", "b", "c"])
            )
            plan = _generic_plan(s, stmt)
    finally:
        runtime.engine.dispose()
    assert "ANY" not in plan, plan
