"""Build and validate DSA statements of reasons for generated decisions (issue #24, item 3).

Run: .venv/bin/python bench/statements.py [--decisions 10000] [--seed 1]

Decisions are drawn (fixed seed) over every policy of config/taxonomy.yaml with realistic
action mixes (removal, warnings, suspensions with end dates, bans, feature limits, revoked
keys, with the non-restricting actions mixed in), sources (in-app, API, e-mail, detectors,
trusted flaggers), languages, content types and dates. Each is built with config/transparency.yaml,
validated alone, then validated again in batches of the configured size as a submission would.
Target: 10,000 built and validated in under 5 s. Prints the time and its ratio to the target.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_yardstick
from watchfloor.compliance.statements.build import (
    EnforcementDecision,
    build_statement,
    user_statement,
)
from watchfloor.compliance.statements.config import load_transparency_config
from watchfloor.compliance.statements.rules import validate_batch, validate_statement
from watchfloor.triage.taxonomy import load_taxonomy

CONFIG = Path(__file__).resolve().parents[1] / "config"
TARGET_SECONDS = 5.0
ACTION_MIXES = [
    ("remove_content",),
    ("remove_content", "notify_reporter"),
    ("remove_content", "warn_user"),
    ("remove_content", "suspend_account"),
    ("remove_content", "ban_account", "report_to_ncmec", "preserve_data"),
    ("restrict_feature",),
    ("suspend_account", "refer_to_law_enforcement"),
    ("revoke_api_key", "suspend_account"),
    ("warn_user",),
]
SOURCES = [
    ("in_app", "user"),
    ("api", "user"),
    ("email", "trusted_flagger"),
    ("email", "regulator"),
    ("detector:pdq", "detector"),
    ("detector:text-classifier", "detector"),
    ("csv", "internal"),
]
LANGUAGES = ["en", "de", "fr", "es", "it", "pl", "nl", "pt-BR", "el", "fil", None]
CONTENT = [("text",), ("image",), ("video",), ("text", "image"), ("audio",), ("product",)]


def generate(n: int, seed: int) -> list[EnforcementDecision]:
    """``n`` decisions over every policy of the taxonomy, the same for the same seed."""
    rng = random.Random(seed)
    taxonomy = load_taxonomy(CONFIG)
    policies = [(a.id, p.id) for a in taxonomy.harm_areas for p in a.policies]
    out = []
    for i in range(n):
        area, policy = rng.choice(policies)
        actions = rng.choice(ACTION_MIXES)
        source, reporter = rng.choice(SOURCES)
        applied = date(2026, 1, 1) + timedelta(days=rng.randrange(120))
        ends = {
            kind: applied + timedelta(days=rng.choice([7, 30, 90]))
            for kind in actions
            if kind in ("suspend_account", "restrict_feature") and rng.random() < 0.8
        }
        automated = source.startswith("detector:")
        out.append(
            EnforcementDecision(
                decision_id=i + 1,
                case_key=f"CASE-{i + 1:06d}",
                policy_id=policy,
                harm_area=area,
                actions=actions,
                source=source,
                reporter_kind=reporter,
                notifier="Example Trusted Flagger e.V." if reporter == "trusted_flagger" else None,
                automated_detection=automated,
                automated_decision=rng.choice(["partially", "fully"]) if automated else "none",
                content_types=rng.choice(CONTENT),
                content_language=rng.choice(LANGUAGES),
                content_date=applied - timedelta(days=rng.randrange(0, 400)),
                application_date=applied,
                end_dates=ends,
                territorial_scope=rng.choice([None, None, ("DE",), ("FR", "BE", "LU")]),
                account_type=rng.choice([None, "private", "business"]),
                facts=f"Reviewed report {i}: the item broke {policy}; evidence kept in the case.",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"CPU yardstick: 10M Python additions in {cpu_yardstick():.2f} s (lower is faster)")
    mapping = load_transparency_config(CONFIG / "transparency.yaml", load_taxonomy(CONFIG))
    decisions = generate(args.decisions, args.seed)

    start = time.perf_counter()
    statements = [build_statement(d, mapping) for d in decisions]
    built = time.perf_counter()
    problems = sum(len(validate_statement(s)) for s in statements)
    validated = time.perf_counter()
    size = mapping.database.batch_size
    batch_errors = sum(
        len(validate_batch(statements[i : i + size])) for i in range(0, len(statements), size)
    )
    batched = time.perf_counter()
    notices = [
        user_statement(d, s, redress=mapping.redress)
        for d, s in zip(decisions, statements, strict=True)
    ]
    told = time.perf_counter()

    total = validated - start
    print(
        f"{len(statements):,} statements: build {built - start:.2f} s, validate "
        f"{validated - built:.2f} s, {problems} problems"
    )
    print(
        f"build + validate: {total:.2f} s; ratio to the {TARGET_SECONDS:.0f} s target: "
        f"{total / TARGET_SECONDS:.2f}"
    )
    print(
        f"batch validation ({size} a batch): {batched - validated:.2f} s, "
        f"{batch_errors} batches with errors"
    )
    print(f"user statements: {len(notices):,} in {told - batched:.2f} s (not part of the target)")


if __name__ == "__main__":
    main()
