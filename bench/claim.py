"""Claim latency with 20 concurrent analysts on one queue, on PostgreSQL.

Run: .venv/bin/python bench/claim.py [--analysts 20] [--rounds 50] [--cases 20000]

Each analyst is its own process with its own connection, calling the same service the API
route calls (``queues.claim_next`` in one transaction, audit event included). Two loads:
- steady: each analyst claims, pauses a random think time (exponential, mean --think-ms,
  default 1 s), and claims again: about 20 claims/s, far more than a real floor, where an
  analyst claims every few minutes;
- heavy: the same with a 100 ms think time, about 150 claims/s;
- burst: every round all analysts are released together by a barrier, 20 simultaneous claims
  on one queue, the worst case (on 2 cores, 20 processes queue for the CPU).
Reported: p50/p99 latency over all claims of each load. Target (issue #2): p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import database, percentile
from watchfloor.auth import service as auth
from watchfloor.auth.permissions import Role
from watchfloor.db import session_scope
from watchfloor.intake import flows
from watchfloor.intake.schemas import ReportIn
from watchfloor.queues import service as queues
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings


def seed(url: str, cases: int, analysts: int) -> None:
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    for start in range(0, cases, 1000):
        reports = [
            ReportIn.model_validate(
                {
                    "source": "bench",
                    "external_id": str(i),
                    "text": "scam with a fake giveaway"
                    if i % 7
                    else "phishing: verify your account",
                    "subject": {"kind": "account", "id": f"acct-{i}"},
                }
            )
            for i in range(start, min(cases, start + 1000))
        ]
        with session_scope(rt.sessions) as s:
            flows.ingest(
                s,
                rt.clock,
                config=rt.config,
                link_window=timedelta(hours=1),
                reports=reports,
                actor="system:bench",
            )
    with session_scope(rt.sessions) as s:
        for a in range(analysts):
            auth.create(s, rt.clock, username=f"analyst{a}", role=Role.ANALYST)
    rt.engine.dispose()


def analyst(
    url: str,
    index: int,
    rounds: int,
    barrier: mp.synchronize.Barrier | None,
    think_ms: float,
    out: mp.Queue,
) -> None:  # type: ignore[type-arg]
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    with session_scope(rt.sessions) as s:
        user = auth.get_or_raise(s, username=f"analyst{index}")
    latencies, keys = [], []
    # Warm up as a running server is warm: connection open, statements compiled and prepared
    # (psycopg prepares a statement on its fifth use). These claims are not measured.
    for _ in range(6):
        with session_scope(rt.sessions) as s:
            queues.claim_next(
                s,
                rt.clock,
                queues=rt.config.queues,
                queue="fraud-scams",
                analyst=user,
                taxonomy=rt.config.taxonomy,
            )
    if barrier is not None:
        barrier.wait()
    rng = random.Random(index)
    for _ in range(rounds):
        if barrier is not None:
            barrier.wait()
        else:
            time.sleep(rng.expovariate(1000 / think_ms))
        start = time.perf_counter()
        with session_scope(rt.sessions) as s:
            case = queues.claim_next(
                s,
                rt.clock,
                queues=rt.config.queues,
                queue="fraud-scams",
                analyst=user,
                taxonomy=rt.config.taxonomy,
            )
            key = case.key if case else None
        latencies.append((time.perf_counter() - start) * 1000)
        keys.append(key)
    out.put((latencies, keys))
    rt.engine.dispose()


def run(
    url: str, analysts: int, rounds: int, burst: bool, think_ms: float
) -> tuple[list[float], list[str]]:
    barrier = mp.Barrier(analysts) if burst else None
    out: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [
        mp.Process(target=analyst, args=(url, i, rounds, barrier, think_ms, out))
        for i in range(analysts)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return [x for lat, _ in results for x in lat], [k for _, ks in results for k in ks if k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--think-ms", type=float, default=1000.0)
    args = parser.parse_args()
    keys: list[str] = []
    with database("postgresql") as url:
        seed(url, args.cases, args.analysts)
        print(f"{args.analysts} analysts, {args.rounds} claims each, {args.cases} waiting cases")
        loads = (
            (f"steady, think {args.think_ms:.0f} ms", False, args.think_ms),
            ("heavy, think 100 ms", False, 100.0),
            ("burst (all at once)", True, 0.0),
        )
        for name, burst, think in loads:
            latencies, claimed = run(url, args.analysts, args.rounds, burst, think)
            keys += claimed
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            verdict = "ok" if p99 < 20 else "ABOVE TARGET"
            print(f"  {name:<24} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   (p99 < 20 ms: {verdict})")
    assert len(keys) == len(set(keys)), "a case was claimed twice"
    print(f"every one of {len(keys)} claims got a different case: yes")


if __name__ == "__main__":
    main()
