"""Incident room benchmark (issue #22): the timeline, the room, and declaring with roles paged.

The timeline of an incident linked to 5,000 cases with 100,000 audit events, and declaring an
incident from a case with two roles paged.
Targets: timeline and room p95 under 300 ms; declaring p95 under 200 ms.

Run: .venv/bin/python bench/incident.py [--cases 5000] [--events 100000] [--requests 100]
     [--db postgresql|sqlite|both]

Seeds (not timed), per database: the migrated schema; an analyst who declares and reads, and
two people of config/oncall.yaml who take roles (lead.mia, emea.ben); --cases cases for the
incident (three in ten still open), as many unrelated cases, and a fresh case for every
declaration, each with one report (the room's impact counts them), in bulk. Then, through the
real server, INC-0001 is declared from the first 500 cases and the rest are linked 500 at a
time, as a person would. Last, in bulk, --events audit events about the incident's cases (the
same number per case), 500 about the incident itself, 200 timeline entries people wrote, and
--events unrelated events about the other cases, interleaved in time over 30 days, so the
timeline query must really filter. Audit rows continue each chain's seq from its head as the
audit service would, but their hashes are made up and do NOT verify: this is a read benchmark.

Timed through ``watchfloor serve`` in its own process, warm, with a bearer token:
1. GET /api/v1/incidents/INC-0001/timeline (first page of 200) and the next page (before=
   next_before), --requests each, and GET /api/v1/incidents/INC-0001 (the room): p50/p95 and
   the ratio of p95 to 300 ms;
2. POST /api/v1/incidents from one fresh case each time with roles legal and scribe (two pages
   through the outbox), --requests times: p50/p95 and the ratio of p95 to 200 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import AUDIT_KEY, cpu_yardstick, database, percentile, server, token_for
from watchfloor.audit.chain import chain_of
from watchfloor.audit.models import AuditEvent
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.cases.models import Case
from watchfloor.cases.schemas import case_key
from watchfloor.clock import SystemClock
from watchfloor.db import Base, make_engine, make_sessionmaker, session_scope
from watchfloor.incidents.models import IncidentEntry
from watchfloor.intake.models import Report, Subject
from watchfloor.runtime import load_config
from watchfloor.settings import Settings

TIMELINE_TARGET_MS = 300.0
DECLARE_TARGET_MS = 200.0
INCIDENT = "INC-0001"
LINK_BATCH = 500  # the most cases one declaration or link request takes
INCIDENT_EVENTS = 500
ENTRIES = 200
SUBJECTS = 1_000
ANALYST, LEGAL, SCRIBE = "bench.analyst", "lead.mia", "emea.ben"
CASE_ACTIONS: Sequence[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = (
    ("case.assign", "user:emea.ana", {"assignee": None}, {"assignee": "emea.ana"}),
    ("case.note", "user:emea.ana", None, {"body": "asked the reporter for the link"}),
    ("case.reports_attached", "system:intake", None, {"reports": [1, 2]}),
    ("sla.warning", "system:sla", None, {"clock": "first_action"}),
    ("case.escalate", "user:lead.mia", {"status": "assigned"}, {"status": "escalated"}),
    ("case.decided", "user:emea.ana", None, {"policy": "violent-threats", "action": "remove"}),
    ("case.resolve", "user:emea.ana", {"status": "escalated"}, {"status": "resolved"}),
)


def _bulk(
    engine: sa.Engine, model: type[Base], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows (tuples in ``columns`` order): COPY on PostgreSQL, executemany on SQLite."""
    meta = cast(sa.Table, model.__table__)
    table = meta.name
    json_cols = [i for i, c in enumerate(columns) if isinstance(meta.c[c].type, sa.JSON)]
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    values = list(row)
                    for i in json_cols:
                        values[i] = None if values[i] is None else orjson.dumps(values[i]).decode()
                    copy.write_row(values)
            raw.commit()
        finally:
            raw.close()
        return
    chunk: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            chunk.append(dict(zip(columns, row, strict=True)))
            if len(chunk) == 20_000:
                conn.execute(meta.insert(), chunk)
                chunk = []
        if chunk:
            conn.execute(meta.insert(), chunk)


def _analyze(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def seed_cases(url: str, *, linked: int, fresh: int, now: datetime) -> str:
    """Users, subjects, cases and one report each; the analyst's bearer token."""
    token = token_for(url, ANALYST, Role.ANALYST)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine, audit_key=AUDIT_KEY)) as s:
        auth.create(s, SystemClock(), username=LEGAL, role=Role.LEAD)
        auth.create(s, SystemClock(), username=SCRIBE, role=Role.ANALYST)
    areas = load_config(Settings(database_url=url, environment="test")).taxonomy.area_ids
    rng = random.Random(22)
    _bulk(
        engine,
        Subject,
        ("id", "kind", "external_id", "created_at", "violations"),
        ((i, "account", f"bench-{i}", now - timedelta(days=60), 0) for i in range(1, SUBJECTS + 1)),
    )
    total = 2 * linked + fresh
    cases: list[tuple[Any, ...]] = []
    reports: list[tuple[Any, ...]] = []
    for i in range(1, total + 1):
        area = rng.choice(areas)
        p = rng.choice((0, 1, 1, 2, 2, 3))
        created = now - timedelta(minutes=rng.uniform(60, 60 * 24 * 30))
        is_open = i > 2 * linked or rng.random() < 0.3
        due = created + timedelta(hours=(0.25, 1, 8, 24)[p])
        subject = rng.randrange(1, SUBJECTS + 1)
        cases.append(
            (i, area, p, "triaged" if is_open else "resolved", area, subject, "EU", "en",
             f"bench case {i}", [], 1, created, created, created, due,
             due - timedelta(minutes=5), due + timedelta(days=1), due + timedelta(hours=18),
             None if is_open else created + timedelta(minutes=3),
             None if is_open else created + timedelta(hours=1), 0.5, [area], [])
        )  # fmt: skip
        reports.append(
            ("bench", f"r-{i}", created, created, "user", f"u-{rng.randrange(total)}", subject, i,
             "bench report", area, p, [], {}, [area], [], {})
        )  # fmt: skip
    _bulk(
        engine,
        Case,
        ("id", "harm_area", "priority", "status", "queue", "subject_id", "region", "language",
         "summary", "triage_reasons", "report_count", "created_at", "updated_at",
         "last_report_at", "first_action_due_at", "first_action_warn_at", "resolve_due_at",
         "resolve_warn_at", "first_action_at", "resolved_at", "risk_score", "harm_areas",
         "triage_flags"),
        cases,
    )  # fmt: skip
    _bulk(
        engine,
        Report,
        ("source", "external_id", "received_at", "reported_at", "reporter_kind", "reporter_id",
         "subject_id", "case_id", "text", "harm_area", "priority", "triage_reasons", "extra",
         "harm_areas", "triage_flags", "area_scores"),
        reports,
    )  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT setval('cases_id_seq', :n)"), {"n": total})
            conn.execute(sa.text("SELECT setval('subjects_id_seq', :n)"), {"n": SUBJECTS})
    _analyze(engine)
    engine.dispose()
    return token


def declare_incident(client: httpx.Client, linked: int) -> None:
    """INC-0001 from the first 500 cases, the rest linked 500 at a time, through the API."""
    keys = [case_key(i) for i in range(1, linked + 1)]
    r = client.post(
        "/api/v1/incidents",
        json={
            "severity": "SEV1",
            "title": "Coordinated threat campaign",
            "harm_area": None,
            "cases": keys[:LINK_BATCH],
            "roles": {"legal": LEGAL, "scribe": SCRIBE},
        },
    )
    assert r.status_code == 201 and r.json()["incident"]["key"] == INCIDENT, r.text
    for start in range(LINK_BATCH, linked, LINK_BATCH):
        r = client.post(
            f"/api/v1/incidents/{INCIDENT}/cases",
            json={"cases": keys[start : start + LINK_BATCH]},
            timeout=120,
        )
        assert r.status_code == 200, r.text


def _events(linked: int, events: int, now: datetime) -> list[tuple[Any, ...]]:
    """(occurred_at, actor, action, object_type, object_id, before, after), oldest first."""
    rng = random.Random(23)
    per_case = max(1, events // linked)
    found: list[tuple[Any, ...]] = []
    start = now - timedelta(days=30)
    for offset in (0, linked):  # the incident's cases, then as many unrelated ones
        for i in range(1 + offset, linked + offset + 1):
            key = case_key(i)
            for _ in range(per_case):
                action, actor, before, after = rng.choice(CASE_ACTIONS)
                at = start + timedelta(seconds=rng.uniform(0, 30 * 86400 - 120))
                found.append((at, actor, action, "case", key, before, after))
    for n in range(INCIDENT_EVENTS):
        at = now - timedelta(seconds=rng.uniform(120, 2 * 86400))
        found.append(
            (at, "user:lead.mia", "incident.task_added", "incident", INCIDENT, None,
             {"task": n + 1, "title": f"check cluster {n}"})
        )  # fmt: skip
    found.sort(key=lambda e: e[0])
    return found


def seed_events(url: str, *, linked: int, events: int, now: datetime) -> int:
    """Audit events continuing each chain from its head, and people's timeline entries."""
    engine = make_engine(url)
    with engine.connect() as conn:
        heads = {
            c: (seq, h)
            for c, seq, h in conn.execute(sa.text("SELECT id, seq, hash FROM audit_chain_head"))
        }
    rows = []
    for at, actor, action, otype, oid, before, after in _events(linked, events, now):
        chain = chain_of(otype, oid)
        seq, prev = heads[chain]
        # Made up, not sealed: the timeline never verifies the chain.
        digest = hashlib.sha256(f"{chain}:{seq + 1}:{prev}".encode()).hexdigest()
        heads[chain] = (seq + 1, digest)
        rows.append((chain, seq + 1, at, actor, action, otype, oid, before, after, prev, digest, 1))
    _bulk(
        engine,
        AuditEvent,
        ("chain", "seq", "occurred_at", "actor", "action", "object_type", "object_id", "before",
         "after", "prev_hash", "hash", "seal"),
        rows,
    )  # fmt: skip
    rng = random.Random(24)
    with engine.connect() as conn:
        incident_id = conn.scalar(sa.text("SELECT min(id) FROM incidents"))
    _bulk(
        engine,
        IncidentEntry,
        ("incident_id", "at", "author", "kind", "text", "basis", "party", "is_key"),
        sorted(
            (
                (incident_id, now - timedelta(seconds=rng.uniform(120, 2 * 86400)), "lead.mia",
                 "note", f"entry {n}: the cluster grows", None, None, n % 20 == 0)
                for n in range(ENTRIES)
            ),
            key=lambda r: r[1],
        ),
    )  # fmt: skip
    _analyze(engine)
    with engine.connect() as conn:
        total = int(conn.scalar(sa.text("SELECT count(*) FROM audit_events")) or 0)
    engine.dispose()
    return total


def _timed(client: httpx.Client, method: str, path: str, count: int, **kw: Any) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        r = client.request(method, path, **kw)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return times


def line(name: str, times: list[float], target: float) -> str:
    p50, p95 = percentile(times, 50), percentile(times, 95)
    return (
        f"  {name:34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ratio to {target:.0f} ms "
        f"{p95 / target:.2f}"
    )


def declare_times(client: httpx.Client, first: int, count: int, warm: int) -> list[float]:
    times = []
    for n in range(warm + count):
        body = {
            "severity": "SEV2",
            "title": f"Scam wave {n}",
            "cases": [case_key(first + n)],
            "roles": {"legal": LEGAL, "scribe": SCRIBE},
        }
        start = time.perf_counter()
        r = client.post("/api/v1/incidents", json=body)
        elapsed = (time.perf_counter() - start) * 1000
        assert r.status_code == 201, r.text[:300]
        assert len(r.json()["paged"]) == 2, r.text[:300]
        if n >= warm:
            times.append(elapsed)
    return times


def run(kind: str, linked: int, events: int, requests: int) -> None:
    warm = 5
    now = datetime.now(UTC)
    with database(kind) as url:
        t0 = time.perf_counter()
        token = seed_cases(url, linked=linked, fresh=requests + warm, now=now)
        with (
            server(url) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as client,
        ):
            declare_incident(client, linked)
            total = seed_events(url, linked=linked, events=events, now=now)
            print(
                f"{kind}: seeded {2 * linked + requests + warm:,} cases, {INCIDENT} with "
                f"{linked:,} linked, {total:,} audit events in {time.perf_counter() - t0:.0f} s"
            )
            timeline = f"/api/v1/incidents/{INCIDENT}/timeline"
            first = client.get(timeline).json()
            assert len(first["entries"]) == 200 and first["next_before"], first.get("total")
            params = {"before": first["next_before"]}
            _timed(client, "GET", timeline, warm)
            _timed(client, "GET", timeline, warm, params=params)
            _timed(client, "GET", f"/api/v1/incidents/{INCIDENT}", warm)
            print(f"  timeline total {first['total']:,} entries")
            for name, path, kw in (
                ("timeline, first page", timeline, {}),
                ("timeline, next page", timeline, {"params": params}),
                ("incident room", f"/api/v1/incidents/{INCIDENT}", {}),
            ):
                times = _timed(client, "GET", path, requests, **kw)
                print(line(name, times, TIMELINE_TARGET_MS))
            times = declare_times(client, 2 * linked + 1, requests, warm)
            print(line("declare from a case, 2 roles paged", times, DECLARE_TARGET_MS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5_000, help="cases linked (at most 10,000)")
    parser.add_argument("--events", type=int, default=100_000, help="audit events about them")
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each kind")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if not 1 <= args.cases <= 10_000:
        parser.error("--cases must be between 1 and 10,000 (one incident links at most 10,000)")
    print(
        f"Incident room: {args.cases:,} cases, {args.events:,} audit events; targets p95 "
        f"{TIMELINE_TARGET_MS:.0f} ms (timeline, room), {DECLARE_TARGET_MS:.0f} ms (declare)"
    )
    print(f"CPU yardstick: 10M Python additions in {cpu_yardstick():.2f} s (lower is faster)")
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(kind, args.cases, args.events, args.requests)


if __name__ == "__main__":
    main()
