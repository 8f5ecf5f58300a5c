"""Many rows in one statement, on either database: ids handed out up front, inserts that skip
rows already there, and inserts that return what they stored."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Text, bindparam, cast, column, func, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from watchfloor.db import Base, core, dialect_of


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
        return _insert_with_conflicts(dialect, table)
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
