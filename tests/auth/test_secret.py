"""The built-in secret signs nothing real: only `watchfloor demo` and the tests may run on it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from watchfloor.settings import DEV_SECRET, Settings


def run(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command with a clean environment: no WATCHFLOOR_* but those given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    return subprocess.run(
        [sys.executable, "-m", "watchfloor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**base, "WATCHFLOOR_DATABASE_URL": db_url, **env},
    )


@pytest.mark.parametrize("environment", ["development", "production"])
def test_settings_refuse_the_built_in_secret(environment: str) -> None:
    with pytest.raises(ValueError, match="WATCHFLOOR_SECRET_KEY is not set"):
        Settings(environment=environment)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="WATCHFLOOR_SECRET_KEY"):
        Settings(environment=environment, secret_key="")  # type: ignore[arg-type]
    assert Settings(environment=environment, secret_key="s3cret-" * 6).environment == environment  # type: ignore[arg-type]


@pytest.mark.parametrize("environment", ["demo", "test"])
def test_the_demo_and_the_tests_may_use_it(environment: str) -> None:
    assert Settings(environment=environment).secret_key == DEV_SECRET  # type: ignore[arg-type]


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_serve_and_worker_refuse_it_in_one_line(db_url: str, command: list[str]) -> None:
    done = run(db_url, *command)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "WATCHFLOOR_SECRET_KEY is not set" in lines[0] and "secrets.token_urlsafe" in lines[0]
    ok = run(db_url, "worker", "--once", WATCHFLOOR_SECRET_KEY="a-private-random-value-for-test")
    assert ok.returncode == 0, ok.stderr


def test_the_demo_runs_on_it_but_not_in_production(db_url: str) -> None:
    done = run(db_url, "demo", "--reports", "0", "--no-serve")
    assert done.returncode == 0, done.stderr
    refused = run(
        db_url, "demo", "--reports", "0", "--no-serve", WATCHFLOOR_ENVIRONMENT="production"
    )
    assert refused.returncode == 1 and "WATCHFLOOR_SECRET_KEY" in refused.stderr
