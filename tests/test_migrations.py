"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import Person
from tests.factories import report
from watchfloor.db import Base, make_engine
from watchfloor.migrate import downgrade, pending, upgrade
from watchfloor.runtime import Runtime


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert not pending(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
    finally:
        engine.dispose()


def test_going_back_and_forth_keeps_every_row(
    client: TestClient, runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    """Migrations that copy a table on SQLite (0026 copies cases, 0029 reports) must not delete
    what refers to it: a case's note (ON DELETE CASCADE) and its report survive."""
    intake, analyst = make_user("intake"), make_user("analyst")
    made = client.post("/api/v1/reports", json=report(1), headers=intake.headers)
    assert made.status_code == 201, made.text
    key = made.json()["case"]
    note = client.post(
        f"/api/v1/cases/{key}/notes", json={"body": "called the school"}, headers=analyst.headers
    )
    assert note.status_code == 201, note.text
    engine = make_engine(runtime.settings.database_url)
    try:
        downgrade(engine, "0025_calibration")  # before golden copies and report copies
        upgrade(engine)
        with engine.connect() as conn:
            counts = [
                conn.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("cases", "case_notes", "reports")
            ]
    finally:
        engine.dispose()
    assert counts == [1, 1, 1]
    shown = client.get(f"/api/v1/cases/{key}/notes", headers=analyst.headers)
    assert shown.status_code == 200 and "called the school" in shown.text
