"""Console speed (issue #5): time to first byte and full render of the floor and of a case page
with 100,000 cases in the database. Target: p95 under 150 ms for both.

Run: .venv/bin/python bench/console.py [--cases 100000] [--db sqlite|postgresql|both] [--rounds 40]

Seeds (not timed) 300 reports through the real intake (triage, subjects, evidence, near-duplicate
index) and then bulk-inserts cases up to --cases: 25% still open across every queue and priority,
the rest resolved; 60 of them about the case page's subject, so its history is full. Then starts
`watchfloor serve` in its own process, signs in through the login form, and measures:
- TTFB: from sending the request to the first byte of the answer (httpx, keep-alive);
- full: until the whole page is parsed and its CSS and script are loaded, in headless Chromium
  (Navigation Timing's loadEventEnd), when /usr/bin/chromium exists.
Prints p50/p95 per page and the ratio of p95 to the 150 ms target.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import database, percentile, server
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.cases.models import Case
from watchfloor.clock import SettableClock
from watchfloor.db import make_engine, make_sessionmaker, session_scope
from watchfloor.intake import flows as intake_flows
from watchfloor.runtime import load_config
from watchfloor.settings import Settings
from watchfloor.sim.demo_reports import generate_reports
from watchfloor.triage.linking import similar

# What the app would seal audit events with in a test environment.
AUDIT_KEY = Settings(environment="test").audit_seal_key

TARGET_MS = 150.0
PASSWORD = "bench-password-1234"
CHROMIUM = Path("/usr/bin/chromium")


def seed(url: str, cases: int) -> str:
    """Seed the database; return the key of the case page to measure."""
    settings = Settings(database_url=url, environment="test")
    config = load_config(settings)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine, audit_key=AUDIT_KEY)
    now = datetime.now(UTC)
    clock = SettableClock(now)
    with session_scope(sessions) as s:
        auth.create(s, clock, username="lena", role=Role.LEAD, password=PASSWORD)
    reports = [r for _, r in generate_reports(300, start=now - timedelta(hours=3), end=now, seed=3)]
    with session_scope(sessions) as s:
        intake_flows.ingest(
            s,
            clock,
            config=config,
            link_window=timedelta(hours=72),
            reports=reports,
            actor="system:bench",
        )
    while similar.index_pending(sessions, clock):
        pass
    with session_scope(sessions) as s:
        # The page to measure: the case with the most evidence and reports.
        page_case = s.execute(
            sa.text(
                "SELECT c.id, c.subject_id FROM cases c JOIN reports r ON r.case_id = c.id "
                "JOIN evidence e ON e.report_id = r.id GROUP BY c.id, c.subject_id "
                "ORDER BY count(*) DESC, c.id LIMIT 1"
            )
        ).one()
        existing = s.scalar(sa.select(sa.func.count()).select_from(Case)) or 0
    rng = random.Random(5)
    areas = config.taxonomy.area_ids
    rows: list[dict[str, Any]] = []
    for i in range(cases - existing):
        p = rng.choices(range(4), [1, 9, 30, 60])[0]
        area = rng.choice(areas)
        created = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 30))
        is_open = rng.random() < 0.25
        due = created + timedelta(hours=(0.25, 1, 8, 24)[p])
        rows.append(
            {
                "harm_area": area,
                "priority": p,
                "status": "triaged" if is_open else "resolved",
                "queue": config.queues.route(
                    harm_area=area, priority=f"P{p}", region="EU", language="en"
                ),
                "subject_id": page_case.subject_id if i < 60 else None,
                "assignee_id": None,
                "region": "EU",
                "language": "en",
                "summary": f"bench case {i}",
                "triage_reasons": [],
                "risk_score": 0.5,
                "harm_areas": [area],
                "suggested_policy": None,
                "triage_flags": [],
                "report_count": 1,
                "created_at": created,
                "updated_at": created,
                "last_report_at": created,
                "first_action_due_at": due,
                "first_action_warn_at": due - timedelta(minutes=5),
                "resolve_due_at": due + timedelta(days=1),
                "resolve_warn_at": due + timedelta(hours=18),
                "first_action_at": None if is_open else created + timedelta(minutes=3),
                "resolved_at": None if is_open else created + timedelta(hours=1),
            }
        )
    with session_scope(sessions) as s:
        filler = s.scalar(sa.select(sa.func.min(Case.subject_id)))
        for row in rows:
            row["subject_id"] = row["subject_id"] or filler
        for start in range(0, len(rows), 10_000):
            s.execute(sa.insert(Case), rows[start : start + 10_000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return f"CASE-{page_case.id:06d}"


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/login", data={"username": "lena", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.status_code


def ttfb(client: httpx.Client, path: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with client.stream("GET", path) as answer:
            chunks = answer.iter_raw()
            first = next(chunks)
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200 and first
            for _chunk in chunks:
                pass
    return times


def full_render(
    base: str, cookies: httpx.Cookies, paths: list[str], rounds: int
) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {p: [] for p in paths}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context()
        context.add_cookies(
            [{"name": c.name, "value": c.value or "", "url": base} for c in cookies.jar]
        )
        page = context.new_page()
        for path in paths:
            page.goto(base + path)  # warm: CSS and script cached, as on a shift
            for _ in range(rounds):
                page.goto(base + path, wait_until="load")
                found[path].append(
                    page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                )
        browser.close()
    return found


def line(name: str, times: list[float]) -> str:
    p50, p95 = percentile(times, 50), percentile(times, 95)
    return (
        f"  {name:28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ratio to target {p95 / TARGET_MS:.2f}"
    )


def run(kind: str, cases: int, rounds: int) -> None:
    with database(kind) as url:
        t0 = time.perf_counter()
        key = seed(url, cases)
        print(
            f"{kind}: seeded {cases:,} cases in {time.perf_counter() - t0:.0f} s; case page {key}"
        )
        with server(url) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
            sign_in(client)
            paths = {"floor": "/floor", "case page": f"/cases/{key}"}
            for name, path in paths.items():
                ttfb(client, path, 3)
                print(line(f"{name}: time to first byte", ttfb(client, path, rounds)))
            if CHROMIUM.exists():
                full = full_render(base, client.cookies, list(paths.values()), max(10, rounds // 2))
                for name, path in paths.items():
                    print(line(f"{name}: full render", full[path]))
            else:
                print("  (no /usr/bin/chromium: full render not measured)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    print(f"Console pages with {args.cases:,} cases; target p95 under {TARGET_MS:.0f} ms")
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.cases, args.rounds)


if __name__ == "__main__":
    main()
