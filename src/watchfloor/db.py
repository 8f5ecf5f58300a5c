"""Engine, sessions and the declarative Base; SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Text,
    and_,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import ColumnElement
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
        %-format of seven fields after ``process_bind_param``: a fifth of the CPU of accepting
        a batch into the intake backlog went to those two steps."""
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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and write-locking transactions."""
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads, then writes after
        # another writer committed, fails at once with SQLITE_BUSY instead of waiting its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it).

    On SQLite, which has one writer at a time and makes the others poll with growing sleeps
    (1, 2, 5, 10… ms), the threads of a process take turns on a lock instead. A session takes
    it when its transaction begins (its first statement, in whatever thread that runs) and gives
    it back when the transaction ends.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
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


def allocate_ids(session: Session, counts: dict[str, int]) -> dict[str, list[int]]:
    """New primary keys, ``counts[table]`` of them per table, in one round trip; so rows can be
    bulk-inserted without RETURNING. Table names come from our own metadata, never from input."""
    wanted = {name: n for name, n in counts.items() if n > 0}
    found: dict[str, list[int]] = {name: [] for name in counts}
    if not wanted:
        return found
    names = list(wanted)
    unknown = [n for n in names if n not in Base.metadata.tables]
    if unknown:
        raise ValueError(f"allocate_ids: not one of our tables: {unknown}")
    if session.get_bind().dialect.name == "postgresql":
        query = " UNION ALL ".join(
            f"SELECT {i}, nextval(pg_get_serial_sequence('{name}', 'id')) "  # noqa: S608
            f"FROM generate_series(1, :n{i})"
            for i, name in enumerate(names)
        )
        params = {f"n{i}": wanted[name] for i, name in enumerate(names)}
        for index, new_id in core(session).execute(text(query), params):
            found[names[index]].append(new_id)
        return {name: sorted(ids) for name, ids in found.items()}
    # SQLite: every write transaction holds the database lock (BEGIN IMMEDIATE), so no other
    # writer can take these ids between this read and our insert.
    query = "SELECT " + ", ".join(f'(SELECT coalesce(max(id), 0) FROM "{name}")' for name in names)  # noqa: S608
    tops = core(session).execute(text(query)).one()
    for name, top in zip(names, tops, strict=True):
        found[name] = list(range(top + 1, top + 1 + wanted[name]))
    return found


def _insert_with_conflicts(dialect: str, table: Any) -> Any:
    """An INSERT of this database's dialect, the kind that can say ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_POSTGRESQL: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]


@cache
def _insert_returning(dialect: str, table: Any, columns: tuple[str, ...]) -> Any:
    """An INSERT of rows with these columns that can say ON CONFLICT and RETURNING; execute it
    with ``_returning_param``.

    On SQLite, given a list of rows, SQLAlchemy sends them in batches of one statement each
    ("insertmanyvalues") and gathers every batch's RETURNING rows. On PostgreSQL such a
    multi-row VALUES list has a placeholder per value, and psycopg parses the statement again
    every time (it caches only those with up to 50 parameters): for 1,000 reports accepted into
    the intake backlog, that parsing was half the request. There the rows go instead as one
    JSON array, turned back into rows of the table's types by the server:
    ``INSERT … SELECT … FROM json_populate_recordset(NULL::table, :rows)``.
    """
    if dialect != "postgresql":
        return sqlite.insert(table)
    of_table: ColumnElement[Any] = literal_column(
        f"NULL::{_POSTGRESQL.identifier_preparer.format_table(table)}"
    )
    rows = func.json_populate_recordset(of_table, cast(bindparam("rows", type_=Text), JSON))
    return postgresql.insert(table).from_select(
        list(columns), select(*(column(c) for c in columns)).select_from(rows.alias("r"))
    )


def _returning_param(dialect: str, rows: list[dict[str, Any]]) -> Any:
    """The parameters for ``_insert_returning``: the rows, or on PostgreSQL the rows as JSON
    (timestamps in ISO 8601, their zone kept; a naive one, which UTCDateTime would refuse, is
    taken as UTC, as SQLite stores it)."""
    if dialect != "postgresql":
        return rows
    return {"rows": orjson.dumps(rows, option=orjson.OPT_NAIVE_UTC).decode()}


def upsert_returning(
    session: Session,
    table: Any,
    rows: list[dict[str, Any]],
    conflict_columns: list[str],
    refresh: list[str],
    returning: list[Any],
) -> list[Any]:
    """Insert ``rows``; an existing row (same ``conflict_columns``) gets the non-null values of
    ``refresh`` instead. Returns ``returning`` for every row, new or old.

    On PostgreSQL the update locks each existing row until commit, in the order given.
    """
    if not rows:
        return []
    dialect = dialect_of(session)
    stmt = _upsert(
        dialect,
        table,
        tuple(rows[0]),
        tuple(conflict_columns),
        tuple(refresh),
        tuple(c.name for c in returning),
    )
    return list(core(session).execute(stmt, _returning_param(dialect, rows)).all())


@cache
def _upsert(
    dialect: str,
    table: Any,
    columns: tuple[str, ...],
    conflict_columns: tuple[str, ...],
    refresh: tuple[str, ...],
    returning: tuple[str, ...],
) -> Any:
    stmt = _insert_returning(dialect, table, columns)
    return stmt.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={c: func.coalesce(stmt.excluded[c], table.c[c]) for c in refresh},
    ).returning(*(table.c[c] for c in returning))


@cache
def _insert_ignoring(dialect: str, table: Any, conflict_columns: tuple[str, ...]) -> Any:
    return _insert_with_conflicts(dialect, table).on_conflict_do_nothing(
        index_elements=conflict_columns
    )


def insert_ignoring_conflicts(
    session: Session, table: Any, rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Insert ``rows``, skipping any that would break the unique key on ``conflict_columns``."""
    if rows:
        stmt = _insert_ignoring(dialect_of(session), table, tuple(conflict_columns))
        core(session).execute(stmt, rows)


def insert_new_returning(
    session: Session,
    table: Any,
    rows: list[dict[str, Any]],
    conflict_columns: list[str],
    returning: list[Any],
) -> list[Any]:
    """``insert_ignoring_conflicts``, returning ``returning`` of the rows actually inserted."""
    if not rows:
        return []
    dialect = dialect_of(session)
    stmt = _insert_new(dialect, table, tuple(rows[0]), tuple(conflict_columns))
    return list(
        core(session).execute(stmt.returning(*returning), _returning_param(dialect, rows)).all()
    )


@cache
def _insert_new(
    dialect: str, table: Any, columns: tuple[str, ...], conflict_columns: tuple[str, ...]
) -> Any:
    return _insert_returning(dialect, table, columns).on_conflict_do_nothing(
        index_elements=conflict_columns
    )
