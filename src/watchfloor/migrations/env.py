"""Alembic environment: migrates the database named by the config's sqlalchemy.url."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import watchfloor.audit.models
import watchfloor.auth.models
import watchfloor.cases.models
import watchfloor.compliance.appeals.models
import watchfloor.compliance.clocks.models
import watchfloor.compliance.requests.models
import watchfloor.compliance.retention.models
import watchfloor.compliance.statements.models
import watchfloor.compliance.triggers.models
import watchfloor.incidents.models
import watchfloor.insights.models
import watchfloor.intake.models
import watchfloor.notify.models
import watchfloor.oncall.models
import watchfloor.quality.models
import watchfloor.triage.hashes.models
import watchfloor.triage.linking.models
import watchfloor.triage.second_look.models  # noqa: F401 - every table must be imported to be compared
from watchfloor.db import Base, make_engine
from watchfloor.oncall import handoff_models  # noqa: F401 - its table, like the models above

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(
        config.get_main_option("sqlalchemy.url") or "", foreign_keys=False, poolclass=None
    )
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        before = context.get_context().get_current_revision()
        context.run_migrations()
        if (
            connection.dialect.name == "sqlite"
            and before != context.get_context().get_current_revision()
        ):
            _check_references(connection)


def _check_references(connection: Connection) -> None:
    """SQLite is migrated with foreign keys off (migrate.py): refuse to commit a migration that
    left a row referring to nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent = broken[0][0], broken[0][1], broken[0][2]
        raise RuntimeError(
            f"the migration would leave {len(broken)} row(s) referring to nothing "
            f"(first: {table} row {rowid}, to {parent}); nothing was changed"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
