"""Recomputing stored SLA times: the set-based 24x7 path agrees with the pure module to the
microsecond, on both databases, for random cases with pauses and legal clocks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tests.cli_runner import run_cli
from watchfloor.cases.models import Case
from watchfloor.db import make_engine, make_sessionmaker, session_scope
from watchfloor.intake.models import Subject
from watchfloor.settings import Settings
from watchfloor.sla.policy import SlaConfig, load_sla
from watchfloor.sla.recompute import CLOCK_COLUMNS, recompute, recompute_all

# What the app would seal audit events with in a test environment.
AUDIT_KEY = Settings(environment="test").audit_seal_key

ROOT_CONFIG = Path(__file__).resolve().parents[2] / "config"
AREAS = ["privacy", "spam_manipulation", "fraud_scams", "child_safety", "not_in_the_config"]
STATUSES = ["triaged", "assigned", "pending_info", "escalated", "resolved", "closed"]
WRONG = datetime(2000, 1, 1, tzinfo=UTC)


def odd_config() -> SlaConfig:
    """The shipped config with a warning fraction and targets that do not divide evenly."""
    data = yaml.safe_load((ROOT_CONFIG / "sla.yaml").read_text())
    data["warning_fraction"] = 0.7
    data["targets"]["P1"] = {"first_action": "37m", "resolution": "23h"}
    data["harm_areas"]["spam_manipulation"]["targets"]["P2"] = {
        "first_action": "7h",
        "resolution": "61h",
    }
    return SlaConfig.model_validate(data, context={})


def random_cases(rng: random.Random, subject_id: int, n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        opened = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
            microseconds=rng.randrange(400 * 86400 * 10**6)
        )
        # Paused time is stored in float seconds: whole microseconds, as a resume measures them.
        paused = timedelta(microseconds=rng.choice([0, rng.randrange(12 * 86400 * 10**6)]))
        legal = None
        if rng.random() < 0.3:  # some legal clocks bite, some are far off
            legal = opened + timedelta(microseconds=rng.randrange(20 * 86400 * 10**6))
        rows.append(
            {
                "harm_area": rng.choice(AREAS),
                "priority": rng.randrange(4),
                "status": rng.choice(STATUSES),
                "queue": "general",
                "subject_id": subject_id,
                "summary": f"case {i}",
                "triage_reasons": [],
                "harm_areas": [],
                "triage_flags": [],
                "created_at": opened,
                "updated_at": opened,
                "last_report_at": opened,
                "legal_due_at": legal,
                "sla_paused_seconds": paused.total_seconds(),
                **dict.fromkeys(CLOCK_COLUMNS, WRONG),
            }
        )
    return rows


def stored(session: Session) -> list[Any]:
    return list(session.execute(select(Case).order_by(Case.id)).scalars())


@pytest.mark.parametrize("config", ["shipped", "odd"])
def test_recompute_agrees_with_the_pure_module(db_url: str, config: str) -> None:
    sla = load_sla(ROOT_CONFIG) if config == "shipped" else odd_config()
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    rng = random.Random(config)
    with session_scope(sessions) as s:
        subject = Subject(kind="account", external_id="x", created_at=WRONG)
        s.add(subject)
        s.flush()
        s.execute(insert(Case), random_cases(rng, subject.id, 600))
    # In chunks of 100 ids, each read through the calendar module 50 rows at a time.
    first = recompute_all(sessions, sla=sla, chunk=100, batch=50)
    with session_scope(sessions) as s:
        cases = stored(s)
        assert first.calendar_read > 100
        open_cases = [c for c in cases if c.status not in ("resolved", "closed")]
        assert first.changed == len(open_cases)
        assert first.set_based > 0 and first.calendar_changed > 0
        for c in cases:
            got = tuple(getattr(c, n) for n in CLOCK_COLUMNS)
            if c.status in ("resolved", "closed"):  # their clocks are stopped: left alone
                assert got == (WRONG,) * 4
                continue
            d = sla.deadlines(
                priority=c.priority,
                harm_area=c.harm_area,
                opened_at=c.created_at,
                paused=timedelta(seconds=c.sla_paused_seconds),
                legal_due_at=c.legal_due_at,
            )
            want = (
                d.first_action_due_at,
                d.first_action_warn_at,
                d.resolve_due_at,
                d.resolve_warn_at,
            )
            assert got == want, (c.harm_area, c.priority, c.sla_paused_seconds, c.legal_due_at)
    # Nothing moved since: a second pass writes nothing, in either half.
    with session_scope(sessions) as s:
        again = recompute(s, sla=sla)
    assert again.changed == 0
    assert again.calendar_read == first.calendar_read
    engine.dispose()


def test_the_command_recomputes_after_a_config_change(db_url: str, tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for f in ROOT_CONFIG.glob("*.yaml"):
        (config_dir / f.name).write_bytes(f.read_bytes())
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    with session_scope(sessions) as s:
        subject = Subject(kind="account", external_id="x", created_at=WRONG)
        s.add(subject)
        s.flush()
        s.execute(insert(Case), random_cases(random.Random(3), subject.id, 40))
        open_count = s.scalar(
            select(func.count()).where(Case.status.not_in(["resolved", "closed"]))
        )

    def run() -> str:
        done = run_cli(db_url, "sla", "recompute", WATCHFLOOR_CONFIG_DIR=str(config_dir))
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert f"recomputed: {open_count} changed" in run()
    assert "recomputed: 0 changed" in run()
    # A new warning fraction moves every open case's warning times, and nothing else.
    sla_yaml = config_dir / "sla.yaml"
    sla_yaml.write_text(
        sla_yaml.read_text().replace("warning_fraction: 0.75", "warning_fraction: 0.5")
    )
    with session_scope(sessions) as s:
        before = {c.id: c.resolve_due_at for c in stored(s)}
    assert "recomputed: 0 changed" not in run()
    sla = load_sla(config_dir)
    with session_scope(sessions) as s:
        for c in stored(s):
            assert c.resolve_due_at == before[c.id]
            if c.status in ("resolved", "closed") or c.legal_due_at is not None:
                continue
            policy = sla.policy(c.priority, c.harm_area)
            if policy.calendar.always_open:
                paused = timedelta(seconds=c.sla_paused_seconds)
                assert c.resolve_warn_at == c.created_at + paused + policy.resolution / 2
    engine.dispose()
