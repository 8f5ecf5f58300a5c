"""The command line: migrate, create users, check config; bad input is one line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli_runner import run_cli


def run(*args: str, db: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(db, *args, stdin=stdin, **env)


@pytest.fixture
def db(db_url: str) -> str:
    """A database on each backend, brought up to date by the command itself (a no-op here)."""
    done = run("db", "upgrade", db=db_url)
    assert done.returncode == 0, done.stderr
    assert "is at head" in done.stdout
    return db_url


def test_db_upgrade_creates_a_new_sqlite_database(tmp_path: Path) -> None:
    done = run("db", "upgrade", db=f"sqlite:///{tmp_path / 'new.db'}")
    assert done.returncode == 0, done.stderr
    check = run("audit", "verify", db=f"sqlite:///{tmp_path / 'new.db'}")
    assert check.stdout.startswith("OK: 0 events")


def test_users_create_with_token_and_password(db: str) -> None:
    done = run(
        "users",
        "create",
        "ana",
        "--role",
        "analyst",
        "--password-stdin",
        "--token",
        db=db,
        stdin="a long enough password\n",
    )
    assert done.returncode == 0, done.stderr
    assert "created ana (analyst)" in done.stdout and "token: wf_" in done.stdout
    again = run("users", "create", "ana", "--role", "analyst", db=db)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: user 'ana' already exists"


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (("users", "create", "bob", "--role", "wizard"), "", "invalid role"),
        (
            ("users", "create", "bob", "--role", "qa", "--password-stdin"),
            "short\n",
            "invalid password",
        ),
        (("users", "create", "b", "--role", "qa"), "", "invalid username"),
    ],
)
def test_bad_input_is_one_line(db: str, args: tuple[str, ...], stdin: str, expected: str) -> None:
    done = run(*args, db=db, stdin=stdin)
    assert done.returncode == 1
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    done = run("audit", "verify", db=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    assert done.returncode == 1
    assert done.stderr.startswith("error: database error:")
    assert "Traceback" not in done.stderr


def test_broken_config_names_file_line_and_field(db: str, tmp_path: Path) -> None:
    conf = tmp_path / "config"
    conf.mkdir()
    root = Path(__file__).resolve().parents[1] / "config"
    for name in ("taxonomy.yaml", "sla.yaml", "triage_rules.yaml"):
        (conf / name).write_text((root / name).read_text())
    (conf / "queues.yaml").write_text(
        "version: 1\nqueues:\n  - name: a\n    title: A\n    filters:\n      harm_areas: [lizards]\n"
        "  - name: b\n    title: B\n    default: true\n"
    )
    done = run("config", "check", db=db, WATCHFLOOR_CONFIG_DIR=str(conf))
    assert done.returncode == 2
    assert f"{conf / 'queues.yaml'}:6: queues.0.filters.harm_areas:" in done.stderr
    assert "unknown harm area(s) lizards" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_refuses_the_default_secret(db: str) -> None:
    done = run("config", "check", db=db, WATCHFLOOR_ENVIRONMENT="production")
    assert done.returncode == 1
    assert "WATCHFLOOR_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


def test_worker_lists_its_jobs(db: str) -> None:
    done = run("worker", "--list", db=db)
    assert done.returncode == 0 and done.stdout.startswith("triage-backlog")
    assert "deliver-webhooks" in done.stdout
    once = run("worker", "--once", db=db)
    assert once.returncode == 0 and "did 0 unit(s) of work" in once.stdout


def test_serve_answers_on_its_port(db: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "watchfloor", "serve", "--port", str(port)],
        env={**os.environ, "WATCHFLOOR_DATABASE_URL": db},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "watchfloor serve exited"
                assert time.monotonic() < deadline, "watchfloor serve did not answer in 60 s"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_served_app_is_settled_before_its_first_request(db: str) -> None:
    """What ``watchfloor serve`` runs in each web process (``serve_app``) has the heap it started
    with frozen out of the garbage collector's rounds, and serves."""
    code = (
        "import gc; from fastapi.testclient import TestClient; from watchfloor.app import serve_app;"
        "before = gc.get_freeze_count(); app = serve_app();"
        "print(before, gc.get_freeze_count(), TestClient(app).get('/healthz').status_code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "WATCHFLOOR_DATABASE_URL": db},
    )
    assert done.returncode == 0, done.stderr
    before, after, status = map(int, done.stdout.split())
    assert before == 0 and after > 10_000 and status == 200


def test_unknown_command_is_a_usage_error(db: str) -> None:
    done = run("frobnicate", db=db)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_users_profile_shows_and_changes_only_the_options_given(db: str) -> None:
    assert run("users", "create", "ana", "--role", "analyst", db=db).returncode == 0
    done = run(
        "users", "profile", "ana", "--skills", "fraud,self_harm", "--languages", "en,DE", db=db
    )
    assert done.returncode == 0, done.stderr
    assert "skills:          fraud_scams, self_harm" in done.stdout
    assert "languages:       en, de" in done.stdout
    done = run("users", "profile", "ana", "--max-open", "4", "--time-zone", "Asia/Tokyo", db=db)
    assert "fraud_scams, self_harm" in done.stdout  # kept
    assert "open cases:      0 of 4" in done.stdout and "Asia/Tokyo" in done.stdout
    shown = run("users", "profile", "ana", db=db)
    assert shown.stdout == done.stdout.replace(" updated", "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--skills", "astrology"), "error: unknown skill 'astrology'; skills are harm areas:"),
        (("--time-zone", "Mars/Base"), "error: invalid time_zone: Value error, unknown time zone"),
        (("--graphic-budget", "-5"), "error: invalid graphic_daily_budget"),
    ],
)
def test_users_profile_bad_input_is_one_line(db: str, args: tuple[str, ...], expected: str) -> None:
    assert run("users", "create", "bo", "--role", "analyst", db=db).returncode == 0
    done = run("users", "profile", "bo", *args, db=db)
    assert done.returncode == 1
    assert done.stderr.startswith(expected) and len(done.stderr.strip().splitlines()) == 1
    missing = run("users", "profile", "nobody", db=db)
    assert missing.stderr.strip() == "error: no user named 'nobody'"
