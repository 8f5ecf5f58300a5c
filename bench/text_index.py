"""What near-duplicate indexing adds to intake: index_texts' share of a 1,000-report batch.

Run: .venv/bin/python bench/text_index.py [--batches 10] [--db sqlite,postgresql]

Ingests --batches batches of 1,000 reports through ``flows.ingest`` (the service the batch
route calls), with texts of 20 to 80 words, half of them from a few scam templates with edits,
and times ``similar.index_texts`` inside each batch (MinHash signatures, band keys and the two
multi-row inserts). Reported per database: ms per report for index_texts and for the whole
ingest, and index_texts' share. Target (issue #3): a few ms per report at most.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import database
from watchfloor.db import session_scope
from watchfloor.intake import flows
from watchfloor.intake.schemas import ReportIn
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings
from watchfloor.triage.linking import similar

BATCH = 1000
VOCAB = [
    "account",
    "money",
    "send",
    "gift",
    "card",
    "prize",
    "claim",
    "fee",
    "payout",
    "desk",
    "winner",
    "hours",
    "reply",
    "bank",
    "transfer",
    "crypto",
    "wallet",
    "invest",
    "return",
    "guaranteed",
    "profit",
    "message",
    "threat",
    "school",
    "home",
    "address",
    "photo",
    "video",
    "stop",
    "please",
    "help",
    "report",
    "fake",
    "giveaway",
    "link",
    "verify",
    "password",
    "login",
    "urgent",
    "support",
    "team",
    "refund",
    "order",
    "delivery",
    "package",
    "customs",
    "tax",
    "pay",
    "now",
    "today",
    "friend",
    "family",
]
TEMPLATES = [
    "Congratulations {w}! You have won {n} dollars in our giveaway. To claim your prize send a "
    "{n} dollar processing fee by gift card to our payout desk within {n} hours or the prize "
    "goes to the next winner. {w} {w} {w}",
    "Your account has been locked for unusual activity. Verify your password within {n} hours "
    "at our secure support page or it will be deleted, {w}. Reference {n}. {w} {w}",
    "Guaranteed {n} percent profit every week with our crypto investment team. Send {n} to the "
    "wallet below and your returns arrive today, {w}. Limited places. {w} {w} {w}",
]


def text(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(TEMPLATES).format_map(_Slots(rng))
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(20, 80)))


class _Slots(dict[str, Any]):
    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        return rng_word(self.rng) if key == "w" else str(self.rng.randint(1, 9999))


def rng_word(rng: random.Random) -> str:
    return rng.choice(VOCAB)


def run(url: str, batches: int) -> tuple[float, float]:
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    rng = random.Random(7)
    spent = 0.0
    original = similar.index_texts

    def timed(*args: Any, **kwargs: Any) -> None:
        nonlocal spent
        t = time.perf_counter()
        original(*args, **kwargs)
        spent += time.perf_counter() - t

    similar.index_texts = timed  # type: ignore[assignment]
    try:
        total = 0.0
        for b in range(batches + 1):  # the first batch warms up and is not counted
            reports = [
                ReportIn.model_validate(
                    {
                        "source": "bench",
                        "external_id": f"{b}-{i}",
                        "text": text(rng),
                        "subject": {"kind": "account", "id": f"acct-{rng.randrange(5000)}"},
                    }
                )
                for i in range(BATCH)
            ]
            if b == 1:
                spent = 0.0
            t = time.perf_counter()
            with session_scope(rt.sessions) as s:
                flows.ingest(
                    s,
                    rt.clock,
                    config=rt.config,
                    link_window=timedelta(hours=1),
                    reports=reports,
                    actor="bench",
                )
            if b >= 1:
                total += time.perf_counter() - t
    finally:
        similar.index_texts = original
        rt.engine.dispose()
    n = batches * BATCH
    return spent * 1000 / n, total * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    for kind in args.db.split(","):
        with database(kind) as url:
            index_ms, ingest_ms = run(url, args.batches)
        print(
            f"{kind}: index_texts {index_ms:.3f} ms/report, whole ingest {ingest_ms:.3f} "
            f"ms/report, share {index_ms / ingest_ms:.0%} (target: a few ms/report at most)"
        )


if __name__ == "__main__":
    main()
