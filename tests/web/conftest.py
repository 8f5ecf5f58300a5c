"""Fixtures for the console's browser tests: the app with a seeded demo day served by uvicorn
(``live``), and a headless Chromium page on it at desk width (``page``, 1280 px) or phone width
(``phone``, 390 px). ``axe_violations`` and ``shot`` are in tests/web/browser.py.

The demo day is seeded once per database kind and test session (a working day through the real
services takes tens of seconds), then copied into each test's own database: a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL. Its "now" is when the session seeded it.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from tests.conftest import PG_URL
from tests.web.browser import CHROMIUM, need_chromium
from tests.web.console_client import report_with_evidence
from watchfloor.app import create_app
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.clock import SettableClock
from watchfloor.db import make_engine, session_scope
from watchfloor.intake import flows as intake_flows
from watchfloor.intake.schemas import ReportIn
from watchfloor.migrate import upgrade
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings
from watchfloor.sim.demo import DEMO_PASSWORD, seed_demo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DEMO_REPORTS = 400


def _seeded(url: str, models: Path) -> None:
    """Seed the demo day into the migrated database at ``url``, ending now."""
    settings = Settings(database_url=url, environment="test", triage_model_dir=models)
    runtime = Runtime.create(
        settings, clock=SettableClock(datetime.now(UTC).replace(microsecond=0))
    )
    try:
        seed_demo(runtime, reports=DEMO_REPORTS)
    finally:
        runtime.engine.dispose()  # on SQLite, folds the WAL into the file that is copied


@pytest.fixture(scope="session")
def demo_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the seeded demo day."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    _seeded(f"sqlite:///{path}", path.parent / "models")
    return path


@pytest.fixture(scope="session")
def demo_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of a PostgreSQL database holding the seeded demo day, to copy as a template."""
    name = f"watchfloor_demo_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    _seeded(url, tmp_path_factory.mktemp("demo-models"))
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _restore_demo(runtime: Runtime, request: pytest.FixtureRequest) -> None:
    """Replace the test's database with a copy of the seeded demo day."""
    url = sa.make_url(runtime.settings.database_url)
    runtime.engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(request.getfixturevalue("demo_sqlite"), path)
        return
    template = request.getfixturevalue("demo_postgres")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))
    admin.dispose()


@pytest.fixture
def live(runtime: Runtime, request: pytest.FixtureRequest) -> Iterator[str]:
    """The app with the seeded demo day, served by uvicorn on a free local port."""
    need_chromium()
    _restore_demo(runtime, request)
    with session_scope(runtime.sessions) as session:
        nia = auth.create(
            session,
            runtime.clock,
            username="nia",
            role=Role.ANALYST,
            display_name="Nia Jónsdóttir",
            password=DEMO_PASSWORD,
        )
        # Nia reads Icelandic only, so `next` gives her the one Icelandic case below.
        auth.set_profile(
            session,
            runtime.clock,
            user=nia,
            taxonomy=runtime.config.taxonomy,
            changes={"languages": ["is"], "graphic_daily_budget": 20},
            actor="system:test",
        )
        body = {**report_with_evidence(), "language": "is"}
        intake_flows.ingest(
            session,
            runtime.clock,
            config=runtime.config,
            link_window=timedelta(hours=72),
            reports=[ReportIn.model_validate(body)],
            actor="system:test",
        )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(live: str) -> Iterator[object]:
    """Chromium at a laptop's width (1280 px), the desk size the console is checked at."""
    yield from _browser_page(live, width=1280, height=800)


@pytest.fixture
def phone(live: str) -> Iterator[object]:
    """Chromium at a phone's width (390 px, as an iPhone 12-15), with touch."""
    yield from _browser_page(live, width=390, height=844, touch=True)


def _browser_page(live: str, *, width: int, height: int, touch: bool = False) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(
            base_url=live, viewport={"width": width, "height": height}, has_touch=touch
        )
        yield context.new_page()
        context.close()
        browser.close()
