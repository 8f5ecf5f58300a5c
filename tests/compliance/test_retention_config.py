"""config/retention.yaml: the shipped file loads; a broken one is refused naming the file, the
line and the field; every data type must be there and an unknown one is an error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchfloor.compliance.retention.rules import DATA_TYPES, cutoffs, due, load_retention
from watchfloor.errors import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "config"
SHIPPED = (CONFIG / "retention.yaml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> str:
    assert old in SHIPPED
    (tmp_path / "retention.yaml").write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_retention(tmp_path)
    return str(caught.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_file_names_every_data_type_with_a_reason() -> None:
    loaded = load_retention(CONFIG)
    names = [name for name, _ in loaded.data_types.items()]
    assert names == list(DATA_TYPES)
    assert all(len(rule.why) >= 10 for _, rule in loaded.data_types.items())
    # The audit log is kept: its hash chain would break.
    assert loaded.data_types.audit_log.action == "keep"
    cut = cutoffs(loaded, now=datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert "audit_log" not in cut
    assert cut["report_text"] == datetime(2026, 2, 28, 12, tzinfo=UTC)  # calendar years


def test_an_unknown_data_type_names_its_line(tmp_path: Path) -> None:
    message = broken(tmp_path, "  case_notes:", "  case_notez:")
    assert f"retention.yaml:{line_of(SHIPPED, 'case_notes:')}: data_types.case_notez:" in message
    # And the type it was meant to be is now missing.
    assert "data_types.case_notes: Field required" in message


def test_an_action_a_type_cannot_have_is_refused(tmp_path: Path) -> None:
    old = "    period: 7 years\n    action: keep"
    message = broken(tmp_path, old, "    period: 7 years\n    action: delete")
    assert "data_types.audit_log.action: Input should be 'keep'" in message
    line = line_of(SHIPPED, "period: 7 years") + 1
    assert f"retention.yaml:{line}:" in message


def test_a_period_must_be_a_duration(tmp_path: Path) -> None:
    message = broken(tmp_path, "period: 90d", "period: soon")
    assert "data_types.outbox_deliveries.period" in message and "not a duration" in message


def test_the_job_runs_once_a_day() -> None:
    last = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert due(None, now=last)
    assert not due(last, now=datetime(2026, 3, 2, 22, 59, tzinfo=UTC))
    assert due(last, now=datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
