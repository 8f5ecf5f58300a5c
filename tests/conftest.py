"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from WATCHFLOOR_TEST_POSTGRES_URL (default: the local server, database ``test``).
In CI (CI=true) an unreachable PostgreSQL fails the run; elsewhere its tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from watchfloor.app import create_app
from watchfloor.audit.chain import CHAINS
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.clock import SettableClock
from watchfloor.db import Base, make_engine, session_scope
from watchfloor.migrate import upgrade
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings

PG_URL = os.environ.get(
    "WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The tests (and the commands they run) may use the built-in secret; elsewhere it is refused.
os.environ.setdefault("WATCHFLOOR_ENVIRONMENT", "test")


def _postgres_problem() -> str | None:
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    problem = _postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and is unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {problem}")
    name = f"watchfloor_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection folds the WAL into the file we copy
    return path


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (:id, 0, :h)"),
            [{"id": chain, "h": "0" * 64} for chain in range(CHAINS)],
        )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        _reset_postgres(url)
        return url
    if request.node.get_closest_marker("postgres_only"):
        pytest.skip("this test is about PostgreSQL behaviour")
    path = tmp_path / "watchfloor.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> SettableClock:
    # Near the real time, so webhook signatures verify with the standard library's tolerance.
    return SettableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # Each test has its own model directory: none promoted, so the shipped base model is used.
    # Webhook receivers in tests are real local servers: loopback must be allowed for them.
    return Settings(
        database_url=db_url,
        environment="test",
        triage_model_dir=tmp_path / "models",
        webhook_allow_networks=["127.0.0.0/8", "::1"],
    )


@pytest.fixture
def runtime(settings: Settings, clock: SettableClock) -> Iterator[Runtime]:
    rt = Runtime.create(settings, clock=clock)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


@dataclass
class Person:
    username: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(runtime: Runtime) -> Callable[..., Person]:
    """Create a user with a role and a token: ``make_user("analyst")``."""
    counter = iter(range(1, 10_000))

    def make(role: str, username: str | None = None, password: str | None = None) -> Person:
        name = username or f"{role}{next(counter)}"
        with session_scope(runtime.sessions) as session:
            user = auth.create(
                session, runtime.clock, username=name, role=Role(role), password=password
            )
            token, _ = auth.issue_token(session, runtime.clock, user=user)
        return Person(name, role, token)

    return make
