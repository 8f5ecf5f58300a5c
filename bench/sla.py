"""SLA benchmark (issue #4): recomputing due times and breach states for 1,000,000 open cases.

Run: .venv/bin/python bench/sla.py sweep [--cases 1000000] [--db postgresql|sqlite|both]

Seeds open cases in bulk (COPY on PostgreSQL, executemany on SQLite; not timed), spread over
every harm area and priority, opened over the last ten days, one in ten paused (pending_info),
so privacy cases run on the office-hours calendar and the rest on 24x7, each with the due and
warning times intake stores. Then times what the product runs:
- recompute (``watchfloor sla recompute``, 50,000 ids a transaction): every open case's four due and
  warning times from the SLA config, 24x7 cases in one UPDATE, the rest through the pure
  calendar module; only moved times are written. Twice: with the config unchanged (everything
  computed and compared, nothing written) and after the warning fraction changed (every case
  rewritten: the worst a config change can do);
- sweep query: the sweep's condition for cases with a warning or breach to record (the partial
  indexes), counted over the whole table: the breach states;
- idle sweep: the worker's sla-sweep query (500 cases, locked) when nothing is due, as it runs
  every round in a quiet hour;
- batch: one run of the worker's sla-sweep job (500 cases: markers, audit events, outbox
  events, escalation, shift-lead notices and pages).
Target: recompute + sweep query under 10 s. Prints seconds and the ratio to target.

The ``next`` half (routing) goes in this file as another subcommand: add a function taking
the parsed arguments and register it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sqlalchemy as sa
import yaml

from harness import database
from watchfloor.cases.models import Case
from watchfloor.clock import SettableClock
from watchfloor.db import make_engine, make_sessionmaker
from watchfloor.runtime import Runtime, load_config
from watchfloor.settings import Settings
from watchfloor.sla import flows as sla_flows
from watchfloor.sla import recompute as sla_recompute
from watchfloor.sla.policy import SlaConfig
from watchfloor.sla.recompute import Recomputed
from watchfloor.triage.taxonomy import Priority

# What the app would seal audit events with in a test environment.
AUDIT_KEY = Settings(environment="test").audit_seal_key

TARGET_SECONDS = 10.0
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
COLUMNS = (
    "id",
    "harm_area",
    "priority",
    "status",
    "queue",
    "subject_id",
    "summary",
    "created_at",
    "updated_at",
    "last_report_at",
    "first_action_due_at",
    "resolve_due_at",
    "first_action_warn_at",
    "resolve_warn_at",
    "legal_due_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "first_action_at",
    "risk_score",
    "report_count",
)

JSON_LISTS = ("triage_reasons", "harm_areas", "triage_flags")


def _rows(n: int, settings: Settings) -> Any:
    """Case rows as tuples in COLUMNS order, with due times the real SLA config gives."""
    config = load_config(settings)
    rng = random.Random(4)
    areas = [a.id for a in config.taxonomy.harm_areas]
    for i in range(1, n + 1):
        area = rng.choice(areas)
        priority = Priority(rng.choice((0, 1, 1, 2, 2, 2, 3, 3)))
        opened = NOW - timedelta(seconds=rng.randrange(10 * 86400))
        d = config.sla.deadlines(priority=priority, harm_area=area, opened_at=opened)
        paused = NOW - timedelta(seconds=rng.randrange(3600)) if i % 10 == 0 else None
        acted = opened + timedelta(minutes=5) if i % 3 == 0 else None
        yield (
            i,
            area,
            int(priority),
            "pending_info" if paused else ("assigned" if acted else "triaged"),
            area,
            1,
            "bench case",
            opened,
            opened,
            opened,
            d.first_action_due_at,
            d.resolve_due_at,
            d.first_action_warn_at,
            d.resolve_warn_at,
            None,
            paused,
            0.0,
            acted,
            0.0,
            1,
        )


def seed(url: str, n: int, settings: Settings) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO subjects (id, kind, external_id, created_at, violations)"
                " VALUES (1, 'account', 'bench', :at, 0)"
            ),
            {"at": NOW},
        )
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cols = ", ".join([*COLUMNS, *JSON_LISTS])
            with cur.copy(f"COPY cases ({cols}) FROM STDIN") as copy:
                for row in _rows(n, settings):
                    copy.write_row((*row, *(["[]"] * len(JSON_LISTS))))
            cur.execute("SELECT setval('cases_id_seq', %s)", (n,))
            raw.commit()
        finally:
            raw.close()
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE cases"))
    else:
        table = Case.__table__
        chunk: list[dict[str, Any]] = []
        with engine.begin() as conn:
            for row in _rows(n, settings):
                chunk.append(
                    {**dict(zip(COLUMNS, row, strict=True)), **{k: [] for k in JSON_LISTS}}
                )
                if len(chunk) == 20_000:
                    conn.execute(sa.insert(table), chunk)
                    chunk = []
            if chunk:
                conn.execute(sa.insert(table), chunk)
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def changed_config(settings: Settings) -> SlaConfig:
    """The shipped SLA config with warnings at 80 % instead of 75 %: every case's times move."""
    data = yaml.safe_load((settings.config_dir / "sla.yaml").read_text())
    return SlaConfig.model_validate({**data, "warning_fraction": 0.8}, context={})


def recompute(url: str, sla: SlaConfig) -> tuple[float, Recomputed]:
    """What ``watchfloor sla recompute`` does: (seconds, what it changed)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    start = time.perf_counter()
    done = sla_recompute.recompute_all(sessions, sla=sla)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, done


def select_due(url: str) -> tuple[float, int]:
    """The sweep's query over the whole table: (seconds, cases with something to record)."""
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        found = conn.scalar(
            sa.select(sa.func.count()).select_from(Case).where(sla_flows._crossed(NOW))
        )
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, int(found or 0)


def idle_sweep(url: str) -> float:
    """The worker's sweep query at an hour when nothing is due yet: seconds."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    with sessions() as session:
        start = time.perf_counter()
        found = sla_flows.due_cases(session, NOW - timedelta(days=11), limit=500)
        seconds = time.perf_counter() - start
        assert not found
        session.rollback()
    engine.dispose()
    return seconds


def one_batch(url: str, settings: Settings) -> tuple[float, int]:
    """One run of the worker's sla-sweep job (a batch of 500 cases), as the worker runs it."""
    rt = Runtime.create(settings, clock=SettableClock(NOW))
    start = time.perf_counter()
    done = sla_flows.sweep_once(rt.sessions, rt.clock, rt.pager, sla=rt.config.sla)
    seconds = time.perf_counter() - start
    rt.engine.dispose()
    return seconds, done


def sweep_bench(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with database(kind) as url:
            settings = Settings(database_url=url, environment="test")
            t0 = time.perf_counter()
            seed(url, args.cases, settings)
            print(f"[{kind}] seeded {args.cases:,} open cases in {time.perf_counter() - t0:.1f} s")
            same_s, same = recompute(url, load_config(settings).sla)
            new_s, new = recompute(url, changed_config(settings))
            sel_s, due = select_due(url)
            idle_s = idle_sweep(url)
            batch_s, events = one_batch(url, settings)
            for label, sec, done in (
                ("config unchanged", same_s, same),
                ("warning at 80 % instead of 75 %", new_s, new),
            ):
                print(
                    f"[{kind}] recompute, {label}: {sec:.2f} s, {done.changed:,} cases changed "
                    f"({done.set_based:,} on 24x7 in SQL; {done.calendar_changed:,} of "
                    f"{done.calendar_read:,} read through the calendar module)"
                )
            print(
                f"[{kind}] sweep query: {sel_s:.2f} s, {due:,} cases with a warning or breach due"
            )
            print(f"[{kind}] idle sweep query (nothing due): {idle_s * 1000:.1f} ms")
            print(
                f"[{kind}] one sweep batch (500 cases): {batch_s:.2f} s, {events} events recorded"
            )
            for label, sec in (("unchanged", same_s), ("changed", new_s)):
                total = sec + sel_s
                print(
                    f"[{kind}] recompute ({label} config) + sweep query: {total:.2f} s; "
                    f"ratio to the {TARGET_SECONDS:.0f} s target: {total / TARGET_SECONDS:.2f}"
                )


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {"sweep": sweep_bench}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sweep = sub.add_parser("sweep", help="recompute due times and breach states for N cases")
    sweep.add_argument("--cases", type=int, default=1_000_000)
    sweep.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    COMMANDS[args.command](args)


if __name__ == "__main__":
    main()
