"""What the benchmarks share: throwaway databases, a real server process, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.clock import SystemClock
from watchfloor.db import make_engine, make_sessionmaker, session_scope
from watchfloor.migrate import upgrade
from watchfloor.settings import Settings

# What the app would seal audit events with in a test environment.
AUDIT_KEY = Settings(environment="test").audit_seal_key

# Benchmarks run on throwaway databases with the built-in secret, as the tests do; every
# process they start (and every session made without a Runtime) reads this.
os.environ.setdefault("WATCHFLOOR_ENVIRONMENT", "test")

PG_URL = os.environ.get(
    "WATCHFLOOR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def cpu_yardstick() -> float:
    """Seconds one core takes for ten million pure-Python additions, best of three: how fast
    this machine's cores are today, so figures from different days can be compared."""
    best = float("inf")
    for _ in range(3):
        start, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A new, migrated database of ``kind`` (sqlite or postgresql), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        return
    name = f"watchfloor_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def token_for(url: str, username: str, role: Role) -> str:
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine, audit_key=AUDIT_KEY)) as session:
        user = auth.create(session, SystemClock(), username=username, role=role)
        token, _ = auth.issue_token(session, SystemClock(), user=user)
    engine.dispose()
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int = 1) -> Iterator[str]:
    """``watchfloor serve`` in its own process(es); yields its base URL."""
    port = free_port()
    env = {**os.environ, "WATCHFLOOR_DATABASE_URL": url, "WATCHFLOOR_ENVIRONMENT": "test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "watchfloor",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed_threads(work: Callable[[int], None], count: int) -> float:
    """Run ``work(0)`` … ``work(count - 1)`` in threads at once; the seconds until all are done."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start
