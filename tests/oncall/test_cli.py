"""``watchfloor oncall check`` prints exact gaps and exits 1; bad config is one named line."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli_runner import run_cli
from watchfloor.settings import DEFAULT_CONFIG_DIR


def test_oncall_check_prints_exact_gaps_and_names_bad_fields(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/x.db"
    ok = run_cli(db, "oncall", "check", "--from", "2026-02-01T00:00:00Z")
    assert ok.returncode == 0 and "safety-primary: covered" in ok.stdout, ok.stderr
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "oncall.yaml"
    # Europe now hands over an hour before the Americas start: a daily one-hour gap.
    text = path.read_text().replace('end: "16:00"', 'end: "14:00"')
    path.write_text(text)
    gap = run_cli(
        db,
        "oncall",
        "check",
        "--from",
        "2026-02-01T00:00:00Z",
        "--weeks",
        "1",
        WATCHFLOOR_CONFIG_DIR=str(config),
    )
    assert gap.returncode == 1
    lines = gap.stdout.splitlines()
    # This database was never migrated: the file's schedules alone, and a line saying so.
    note = lines.pop(0)
    assert note.startswith("(overrides made through the API not read: "), note
    assert lines[0] == "safety-primary: 7 gap(s), 0 overlap(s)"
    assert lines[1] == (
        "  gap: 2026-02-01T14:00:00Z → 2026-02-01T15:00:00Z (nobody on call for 1:00:00)"
    )
    assert lines[7].startswith("  gap: 2026-02-07T14:00:00Z → 2026-02-07T15:00:00Z")
    path.write_text(text.replace("time_zone: Europe/Dublin", "time_zone: Europe/Dublinn", 1))
    bad = run_cli(db, "config", "check", WATCHFLOOR_CONFIG_DIR=str(config))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "oncall.yaml:" in bad.stderr and "time_zone" in bad.stderr
    assert "unknown time zone 'Europe/Dublinn'" in bad.stderr
