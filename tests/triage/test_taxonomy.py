"""The policy taxonomy as data: complete, validated with file:line errors, printable from the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchfloor.errors import ConfigError
from watchfloor.settings import DEFAULT_CONFIG_DIR
from watchfloor.sla.policy import load_sla
from watchfloor.triage.taxonomy import Priority, load_taxonomy

REQUIRED_AREAS = {
    "child_safety",
    "violent_extremism",
    "violence_threats",
    "self_harm",
    "sexual_content",
    "hate",
    "harassment",
    "fraud_scams",
    "developer_abuse",
    "privacy",
    "legal_regulatory",
    "spam_manipulation",
}


def cli(*args: str, config_dir: Path = DEFAULT_CONFIG_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "watchfloor", *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            "WATCHFLOOR_CONFIG_DIR": str(config_dir),
            "WATCHFLOOR_ENVIRONMENT": "test",
            "PATH": "/usr/bin:/bin",
        },
    )


def test_every_harm_area_has_policies_with_definitions_and_examples() -> None:
    sla = load_sla(DEFAULT_CONFIG_DIR)
    taxonomy = load_taxonomy(DEFAULT_CONFIG_DIR, sla_classes=set(sla.classes))
    assert set(taxonomy.area_ids) >= REQUIRED_AREAS
    for area in taxonomy.harm_areas:
        if area.id == "unclassified":
            continue
        assert area.skill and area.sla_class in sla.classes
        for policy in area.policies:
            assert len(policy.violating) >= 2, policy.id
            assert len(policy.non_violating) >= 2, policy.id
    # A policy's own severity wins over its area's; the rest is inherited.
    area, csem = taxonomy.policy("CS-CSEM") or (None, None)
    assert area is not None and csem is not None
    assert area.severity_of(csem) is Priority.P0
    assert area.sla_class_of(csem) == "urgent"


def test_legal_clock_brings_the_resolution_target_in() -> None:
    sla = load_sla(DEFAULT_CONFIG_DIR)
    opened = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    # P3 resolution is 7 days, sooner than a month: the priority target stands.
    assert sla.due(Priority.P3, opened, "gdpr")[1] == datetime(2027, 2, 7, 9, 0, tzinfo=UTC)
    # A legal request's 10-day clock caps nothing at P1 (24 h) ...
    assert sla.due(Priority.P1, opened, "legal")[1] == datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    # ... and a calendar month from 31 January ends on 28 February, not 2 or 3 March.
    clock = sla.classes["gdpr"].legal_clock
    assert clock is not None and clock.deadline(opened) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("sla_class: standard", "sla_class: someday"), "unknown SLA class 'someday'"),
        (("severity: P2", "severity: P7"), "severity"),
        (("- id: FR-PRIZE", "- id: FR-PHISHING"), "policy 'FR-PHISHING' is defined twice"),
        (("    skill: fraud\n", "    skill: fraud\n    colour: red\n"), "colour"),
    ],
)
def test_bad_taxonomy_is_an_error_naming_file_and_line(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "taxonomy.yaml"
    path.write_text(path.read_text().replace(*edit, 1))
    with pytest.raises(ConfigError) as err:
        sla = load_sla(config)
        load_taxonomy(config, sla_classes=set(sla.classes))
    assert "taxonomy.yaml:" in str(err.value)
    assert expected in str(err.value)
    done = cli("policy", "show", "FR-PHISHING", config_dir=config)
    assert done.returncode == 2
    assert done.stderr.startswith("error: configuration:") and "Traceback" not in done.stderr


def test_policy_show_prints_one_policy() -> None:
    done = cli("policy", "show", "fr-phishing")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("FR-PHISHING: Phishing and credential theft")
    for needle in ("harm area:  fraud_scams", "severity:   P2", "skill:      fraud", "Violating:"):
        assert needle in out
    area = cli("policy", "show", "privacy")
    assert "PV-GDPR-ERASURE" in area.stdout and "SLA class gdpr" in area.stdout
    listing = cli("policy", "list")
    assert "taxonomy version" in listing.stdout and "LG-DSA-NOTICE" in listing.stdout


def test_policy_show_unknown_id_is_one_line() -> None:
    done = cli("policy", "show", "NOPE-1")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: no policy or harm area 'NOPE-1'; 'watchfloor policy list' shows them all"
    )
