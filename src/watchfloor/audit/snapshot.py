"""One consistent read of the audit log while others keep writing to it.

Verifying reads every chain's head and then every event; read in separate transactions, events
committed in between make an intact chain look truncated ("chain 14 ends at event #662 but 660
were written"). Everything the verifier and a checkpoint read comes from one snapshot instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection whose every statement sees the database as of its first one."""
    if engine.dialect.name == "postgresql":
        # REPEATABLE READ is PostgreSQL's snapshot isolation: one snapshot for the transaction.
        options: dict[str, Any] = {
            "isolation_level": "REPEATABLE READ",
            "postgresql_readonly": True,
        }
        with engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn
        return
    # SQLite in WAL mode gives a read transaction one snapshot without blocking writers; but the
    # application's engine begins every transaction with BEGIN IMMEDIATE (the write lock), which
    # would stop all writers for as long as a verify runs. So read through an engine of our own.
    reader = create_engine(engine.url, poolclass=NullPool, json_deserializer=orjson.loads)

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin below, not the driver, starts it
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(reader, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")

    try:
        with reader.connect() as conn, conn.begin():
            yield conn
    finally:
        reader.dispose()
