"""Engine, sessions and the declarative Base; SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, stored as JSONB on PostgreSQL so it can be indexed and queried later.
JSONType = JSON().with_variant(JSONB(), "postgresql")
# 64-bit integers (ids included); SQLite's INTEGER is already 64-bit and only "INTEGER PRIMARY KEY"
# auto-increments there.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column; use an aware datetime")
            value = value.astimezone(UTC)
        # SQLite keeps no zone: store naive UTC so text ordering matches time ordering.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the text SQLAlchemy's own DATETIME would store (naive UTC, always with
        microseconds: "2026-11-26 04:00:00.000000"), made in one C call instead of a
        %-format of seven fields after ``process_bind_param``: about a seventh of the CPU of
        accepting a batch into the intake backlog went to those two steps."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_utc = self.process_bind_param

        def process(value: datetime | None) -> str | None:
            naive = to_utc(value, dialect)
            return None if naive is None else naive.isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        int: BigInt,
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[str]: JSONType,
        list[dict[str, Any]]: JSONType,
    }


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, *, foreign_keys: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys (unless ``foreign_keys`` is False:
    migrations only, see migrate.py) and write-locking transactions."""
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads, then writes after
        # another writer committed, fails at once with SQLITE_BUSY instead of waiting its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class AuditedSession(Session):
    """A Session that carries the key its transactions' audit events are sealed with (see
    audit.service), handed to it by the factory ``make_sessionmaker`` built."""

    def __init__(self, *args: Any, audit_key: bytes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_key = audit_key


def make_sessionmaker(engine: Engine, *, audit_key: bytes) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it), and
    seal their audit events with ``audit_key`` (Settings.audit_seal_key).

    On SQLite, which has one writer at a time and makes the others poll with growing sleeps
    (1, 2, 5, 10… ms), the threads of a process take turns on a lock instead. A session takes
    it when its transaction begins (its first statement, in whatever thread that runs) and gives
    it back when the transaction ends.
    """
    factory: sessionmaker[Session] = sessionmaker(
        bind=engine, class_=AuditedSession, expire_on_commit=False, audit_key=audit_key
    )
    if engine.dialect.name != "sqlite":
        return factory
    turn = threading.Lock()

    @event.listens_for(factory, "after_transaction_create")
    def _take_turn(session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            if not turn.acquire(timeout=120):
                raise RuntimeError(
                    "waited 2 minutes for the SQLite write turn; is a session leaked?"
                )
            session.info["_sqlite_turn"] = True

    @event.listens_for(factory, "after_transaction_end")
    def _end_turn(session: Session, transaction: Any) -> None:
        if transaction.parent is None and session.info.pop("_sqlite_turn", False):
            turn.release()

    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services never commit."""
    session = factory()
    try:
        yield session
    except BaseException:
        end_unit(session, commit=False)
        raise
    end_unit(session, commit=True)


def end_unit(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close: how every unit of work ends."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def core(session: Session) -> Connection:
    """The session's connection, for Core statements on hot paths (intake and the audit seal).

    Same transaction as the session, and pending ORM changes are flushed first so statements see
    them; but no ORM work per statement, which costs a few hundred microseconds each on a slow
    core, several times what the database itself takes.
    """
    session.flush()
    return session.connection()


def one_of(session: Session, column: Any, values: list[Any]) -> Any:
    """``column IN values``; on PostgreSQL as ``IN (SELECT unnest(array))``: one parameter, however
    many values, so large batches neither build huge statements nor spend their time planning
    them.

    Not ``= ANY(array)``: psycopg prepares a statement run five times, and PostgreSQL then keeps
    one generic plan for it. Made while a table is still small (a new database), that plan is a
    scan testing each row against the whole array, and it stays while the table grows: batch
    intake fell from 5,000 to 1,300 reports/s within a minute, each batch slower than the last.
    As a join with the unnested array the worst plan is a hash join, one probe a row."""
    if session.get_bind().dialect.name == "postgresql":
        return column.in_(select(func.unnest(bindparam(None, values, type_=ARRAY(column.type)))))
    return column.in_(values)


def dialect_of(session: Session) -> str:
    """Which database this session talks to: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


def in_list(dialect: str, column: Any, name: str) -> Any:
    """``column IN :name`` where the parameter takes a whole list when the statement runs, so the
    statement can be built once (see ``one_of`` for what PostgreSQL gets and why)."""
    if dialect == "postgresql":
        return column.in_(select(func.unnest(bindparam(name, type_=ARRAY(column.type)))))
    return column.in_(bindparam(name, expanding=True))


def pairs_in(session: Session, first: Any, second: Any, pairs: list[tuple[Any, Any]]) -> Any:
    """``(first, second) IN pairs``, grouped by ``first`` (a batch rarely has more than a few)."""
    groups: dict[Any, list[Any]] = {}
    for a, b in pairs:
        groups.setdefault(a, []).append(b)
    return or_(*(and_(first == a, one_of(session, second, bs)) for a, bs in groups.items()))


def writers_take_turns(session: Session) -> bool:
    """Whether write transactions run one at a time from start to end (SQLite), so nothing
    another writer does can appear in the middle of ours."""
    return session.get_bind().dialect.name == "sqlite"
