"""Running the real ``watchfloor`` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(
    db_url: str, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "watchfloor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        # A bound against a hang, not a speed check: `triage train` on a loaded two-core machine
        # took more than two minutes once.
        timeout=600,
        check=False,
        env={**os.environ, "WATCHFLOOR_DATABASE_URL": db_url, **env},
    )
