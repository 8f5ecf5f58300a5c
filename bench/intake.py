"""Intake throughput: batch and single-report endpoints against the raw batched INSERT rate.

Run: .venv/bin/python bench/intake.py [--batches 10] [--singles 2000] [--db sqlite,postgresql]

For each database it starts a real ``watchfloor serve`` and measures:
- batch: reports/s through POST /api/v1/reports/batch (1,000 reports a call, one client);
- single: reports/s through POST /api/v1/reports with 8 concurrent clients;
(the server runs two web processes, one per core of the 2-core reference machine)
- raw: rows/s of a batched INSERT (1,000 rows a statement batch, one commit per batch) into a
  table with the same columns as ``reports``, through the same driver: the database's limit.
Targets (issue #2): batch >= 25% of raw; single >= 300 reports/s.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import database, server, token_for
from watchfloor.auth.permissions import Role
from watchfloor.db import make_engine
from watchfloor.intake.models import Report

WORDS = [
    "this",
    "account",
    "keeps",
    "sending",
    "me",
    "scam",
    "links",
    "about",
    "a",
    "crypto",
    "investment",
    "with",
    "guaranteed",
    "returns",
    "and",
    "says",
    "i",
    "must",
    "verify",
    "your",
    "account",
    "or",
    "lose",
    "it;",
    "they",
    "also",
    "post",
    "spam",
]


def body(n: int, run: str) -> dict[str, object]:
    # About 90% of subjects are new, 10% repeat: realistic linking work for the service.
    subject = n if n % 10 else n // 10
    text = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(40))
    return {
        "source": "bench",
        "external_id": f"{run}-{n}",
        "text": text,
        "reporter": {"kind": "user", "id": f"u{n % 977}"},
        "subject": {
            "kind": "account",
            "id": f"{run}-acct-{subject}",
            "identifiers": [{"kind": "email", "value": f"user{subject}@example.com"}],
        },
        "region": "EU",
        "language": "en",
        "metadata": {"surface": "dm", "app_version": "5.1.2"},
    }


def bench_batch(base: str, token: str, batches: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        warm = [body(i, "warm") for i in range(200)]
        client.post("/api/v1/reports/batch", json={"reports": warm}).raise_for_status()
        start = time.perf_counter()
        for b in range(batches):
            reports = [body(b * 1000 + i, "batch") for i in range(1000)]
            client.post("/api/v1/reports/batch", json={"reports": reports}).raise_for_status()
        return batches * 1000 / (time.perf_counter() - start)


def bench_single(base: str, token: str, total: int, clients: int = 8) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    per = total // clients

    def run(c: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for i in range(per):
                r = client.post("/api/v1/reports", json=body(c * per + i, "single"))
                r.raise_for_status()

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per * clients / (time.perf_counter() - start)


def bench_raw(url: str, rows: int) -> float:
    engine = make_engine(url)
    meta = sa.MetaData()
    columns = [
        sa.Column(c.name, c.type, primary_key=c.primary_key) for c in Report.__table__.columns
    ]
    table = sa.Table("bench_raw_reports", meta, *columns)
    meta.create_all(engine)
    now = datetime.now(UTC)
    text = " ".join(WORDS[:40])
    batch = [
        {
            "source": "raw",
            "external_id": "",
            "received_at": now,
            "reported_at": now,
            "reporter_kind": "user",
            "reporter_id": "u1",
            "subject_id": 1,
            "case_id": 1,
            "text": text,
            "category_hint": None,
            "region": "EU",
            "language": "en",
            "harm_area": "fraud_scams",
            "priority": 2,
            "triage_reasons": ["matched x"],
            "extra": {"metadata": {"surface": "dm"}},
        }
        for _ in range(1000)
    ]
    start = time.perf_counter()
    for b in range(rows // 1000):
        for i, row in enumerate(batch):
            row["external_id"] = f"{b}-{i}"
        with engine.begin() as conn:
            conn.execute(sa.insert(table), batch)
    rate = (rows // 1000) * 1000 / (time.perf_counter() - start)
    engine.dispose()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"{'database':<11} {'batch/s':>9} {'raw/s':>9} {'batch÷raw':>10} {'single/s':>9}")
    for kind in args.db.split(","):
        with database(kind) as url:
            token = token_for(url, "bench-intake", Role.INTAKE)
            # Two web processes: one per core of the reference machine.
            with server(url, workers=2) as base:
                batch = bench_batch(base, token, args.batches)
                single = bench_single(base, token, args.singles)
            raw = bench_raw(url, args.batches * 1000)
        ok_batch = "ok" if batch >= 0.25 * raw else "BELOW TARGET"
        ok_single = "ok" if single >= 300 else "BELOW TARGET"
        print(
            f"{kind:<11} {batch:9.0f} {raw:9.0f} {batch / raw:9.1%} {single:9.0f}"
            f"   (batch≥25% of raw: {ok_batch}; single≥300/s: {ok_single})"
        )


if __name__ == "__main__":
    main()
