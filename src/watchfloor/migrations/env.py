"""Alembic environment: migrates the database named by the config's sqlalchemy.url."""

from __future__ import annotations

from alembic import context

import watchfloor.audit.models
import watchfloor.auth.models
import watchfloor.cases.models
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
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=None)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
