"""Queue configuration and routing, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from watchfloor.errors import ConfigError
from watchfloor.queues.routing import load_queues
from watchfloor.settings import DEFAULT_CONFIG_DIR
from watchfloor.sla.policy import load_sla
from watchfloor.triage.taxonomy import Priority, load_taxonomy

TAXONOMY = load_taxonomy(DEFAULT_CONFIG_DIR)
QUEUES = load_queues(DEFAULT_CONFIG_DIR, TAXONOMY)


@pytest.mark.parametrize(
    ("area", "priority", "queue"),
    [
        ("self_harm", "P0", "life-safety"),
        ("self_harm", "P1", "self-harm"),
        ("fraud_scams", "P2", "fraud-scams"),
        ("developer_abuse", "P2", "fraud-scams"),
        ("spam_manipulation", "P3", "general"),
        ("unclassified", "P3", "general"),
    ],
)
def test_routing(area: str, priority: str, queue: str) -> None:
    assert QUEUES.route(harm_area=area, priority=priority, region="EU", language="en") == queue


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "queues.yaml").write_text(text)
    return tmp_path


def test_region_and_language_filters(tmp_path: Path) -> None:
    conf = load_queues(
        write(
            tmp_path,
            "version: 1\nqueues:\n"
            "  - {name: de-eu, title: DE, filters: {regions: [eu], languages: [de]}}\n"
            "  - {name: rest, title: Rest, default: true}\n",
        ),
        TAXONOMY,
    )
    assert conf.route(harm_area="hate", priority="P2", region="EU", language="de-AT") == "de-eu"
    assert conf.route(harm_area="hate", priority="P2", region="EU", language="en") == "rest"
    assert conf.route(harm_area="hate", priority="P2", region=None, language=None) == "rest"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nqueues:\n  - name: a\n    title: A\n    filters:\n      priorities: [P9]\n"
            "  - {name: b, title: B, default: true}\n",
            "queues.yaml:6: queues.0.filters.priorities.0:",
        ),
        (
            "version: 1\nqueues:\n  - {name: a, title: A}\n",
            "exactly one queue must have 'default: true'",
        ),
        (
            "version: 1\nqueues:\n  - {name: a, title: A, default: true}\n  - {name: a, title: B}\n",
            "queue name(s) used twice: a",
        ),
        (
            "version: 1\nqueues:\n  - {name: a, title: A, default: true, colour: red}\n",
            "queues.yaml:3: queues.0.colour: Extra inputs are not permitted",
        ),
    ],
)
def test_config_errors_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_queues(write(tmp_path, text), TAXONOMY)
    assert expected in str(err.value)


def test_sla_due_times() -> None:
    sla = load_sla(DEFAULT_CONFIG_DIR)
    opened = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert sla.due(Priority.P0, opened) == (
        opened + timedelta(minutes=15),
        opened + timedelta(hours=4),
    )
    assert sla.due(Priority.P3, opened)[1] == opened + timedelta(days=7)


def test_sla_errors(tmp_path: Path) -> None:
    (tmp_path / "sla.yaml").write_text(
        "version: 1\ntargets:\n  P0: {first_action: 5h, resolution: 4h}\n  P1: {first_action: soon, resolution: 1d}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_sla(tmp_path)
    message = str(err.value)
    assert "first_action must not be longer than resolution" in message
    assert "'soon' is not a duration" in message
