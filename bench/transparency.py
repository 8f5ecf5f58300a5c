"""The DSA transparency report over 1,000,000 decisions on PostgreSQL (issue #24's benchmark:
under 10 s).

Run: .venv/bin/python bench/transparency.py [--db postgresql|sqlite] [--cases 1000000]

Seeds with bench/metrics.py's builder (COPY on PostgreSQL): --cases cases over 90 days, one
report each from in_app, api, email (Art. 16 notices), detector and csv (own initiative), one
decision per resolved case (3 % decided twice after a reopening) with 0-2 actions. Then the
report the CLI, the API and the page make (compliance.transparency.service) is read over the
whole period 5 times after a warm-up: p50/p95 and the ratio of p95 to the 10 s target.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import AUDIT_KEY, cpu_yardstick, database, percentile
from metrics import NOW, seed
from watchfloor.clock import SettableClock
from watchfloor.compliance.transparency import service
from watchfloor.db import make_engine, make_sessionmaker, session_scope
from watchfloor.runtime import load_config
from watchfloor.settings import Settings

TARGET_S = 10.0


def run(kind: str, *, cases: int, days: int, repeats: int) -> None:
    print(f"\n{kind}: {cases:,} cases over {days} days")
    with database(kind) as url:
        print(f"  seeding took {seed(url, cases=cases, days=days):.0f} s" + " " * 20)
        measure(url, days=days, repeats=repeats)


def measure(url: str, *, days: int, repeats: int) -> None:
    """Time the report over the whole seeded period of the database at ``url``."""
    engine = make_engine(url)
    with engine.connect() as conn:
        decisions = conn.scalar(sa.text("SELECT count(*) FROM decisions"))
        actions = conn.scalar(sa.text("SELECT count(*) FROM actions"))
    print(f"  {decisions:,} decisions, {actions:,} actions")
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    mapping = load_config(Settings(database_url=url, environment="test")).transparency
    clock = SettableClock(NOW)
    start, end = NOW - timedelta(days=days + 1), NOW + timedelta(days=1)
    times = []
    for i in range(repeats + 1):
        began = time.perf_counter()
        with session_scope(sessions) as session:
            found = service.transparency_report(
                session, clock, mapping=mapping, start=start, end=end
            )
        took = time.perf_counter() - began
        if i:  # the first run warms the caches
            times.append(took)
    summary = {row[0]: row[2] for row in found.table("summary").rows}
    print(f"  counted: {summary}")
    p50, p95 = percentile(times, 50), percentile(times, 95)
    print(
        f"  report over {decisions:,} decisions: p50 {p50:.2f} s, p95 {p95:.2f} s "
        f"({repeats} runs); p95 / {TARGET_S:.0f} s target = {p95 / TARGET_S:.2f}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--url", help="A database this script seeded before (kept): time the report only."
    )
    args = parser.parse_args()
    print(f"cpu yardstick: {cpu_yardstick():.2f} s (10M additions, one core)")
    if args.url:
        measure(args.url, days=args.days, repeats=args.repeats)
    else:
        run(args.db, cases=args.cases, days=args.days, repeats=args.repeats)


if __name__ == "__main__":
    main()
