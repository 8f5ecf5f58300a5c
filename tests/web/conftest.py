"""Fixtures for the console's browser tests: the app with a seeded demo day served by uvicorn
(``live``), and a headless Chromium page on it at desk width (``page``, 1280 px) or phone width
(``phone``, 390 px). ``axe_violations`` and ``shot`` are in tests/web/browser.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn

from tests.web.browser import CHROMIUM, need_chromium
from tests.web.console_client import report_with_evidence
from watchfloor.app import create_app
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.db import session_scope
from watchfloor.intake import flows as intake_flows
from watchfloor.intake.schemas import ReportIn
from watchfloor.runtime import Runtime
from watchfloor.sim.demo import DEMO_PASSWORD, seed_demo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(runtime: Runtime) -> Iterator[str]:
    """The app with a seeded demo day, served by uvicorn on a free local port."""
    need_chromium()
    seed_demo(runtime, reports=400)
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
