"""Schema migrations (Alembic), run by ``watchfloor db upgrade`` on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.pool import NullPool

from watchfloor.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the latest by default)."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (tests of data stored before a migration)."""
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    migrating = _migrating_engine(engine, url)
    try:
        with migrating.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg)
    finally:
        if migrating is not engine:
            migrating.dispose()


def _migrating_engine(engine: Engine, url: str) -> Engine:
    """SQLite alters a table by copying it, dropping the old one and renaming the copy. With
    foreign keys on, the drop deletes the old rows first, cascading to the rows that refer to
    them (a case's notes), or fails; and foreign keys cannot be turned off inside a
    transaction. So a file database is migrated on connections that open with them off, and
    the migration checks every reference before it commits (migrations/env.py)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # an in-memory database is only reachable through its own engine
    return make_engine(url, foreign_keys=False, poolclass=NullPool)


def pending(engine: Engine) -> bool:
    """Whether the database is behind the latest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current != head
