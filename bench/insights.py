"""Spike and emerging-cluster detection on a generated month of traffic (issue #23, item 10).

Run: .venv/bin/python bench/insights.py [--weeks 4] [--per-day 2500] [--seed N]

Each month is ``--history`` clean weeks (what a live system already has) and then ``--weeks``
evaluated weeks with planted events. Traffic comes from the demo generator
(watchfloor.sim.demo_reports: each region's day and night, realistic texts per harm area) with a
weekly rhythm laid over it: weekends quieter, day-to-day and per-area swings, and every Monday
06:00-11:00 UTC a surge of what piled up over the weekend. Planted in the evaluated weeks:
- spikes: a harm area jumping 2.5-4x for 2-5 h, a detector source misfiring 4-6x for 2-4 h, and
  a slow build-up of an area (+40-70% over 12-18 h);
- campaigns: 50-400 reports of one lure (shared wording with variations: quoted, cut, with a
  typo, or paraphrased around the link), from several sender accounts sharing links, a phone or a
  payment fingerprint; profile burst (3-12 h), steady (12-48 h) or slow ramp (24-72 h, rate
  rising from 15% to 100%).
Generator artifacts removed (bench/insights_traffic.py): a spike's reports carry the month's
fraud rings and botnets, not new ones of their own; phones, drawn from 100 fiction numbers, are
each subject's own unless a campaign shares one.
Detection runs as it would live: every hour over the data so far. An alarm is a planted event's
when that event's reports make at least half its excess (a spike) or half its reports (a
cluster); alarms on one key (or one cluster, by shared reports) less than 24 h apart are one.
TRAINING month (seed 1) is where the thresholds of spikes.py and clusters.py were chosen;
EVALUATION months (seeds 2 and 3) are only for the final figures. Seed 3 was added, unread, when
the rules for slow campaigns were written: seed 2's figures had been seen once by then. Target: every planted campaign of 50+
found within 6 h, <= 1 false alarm a week; also printed, not the target: found within 6 h of
its 10th and of its 50th report (a slow campaign has two or three reports in its first 6 h).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_yardstick
from insights_traffic import DAY, START, SURGE_HOURS, Month, Planted, build_month, subjects
from watchfloor.insights.clusters import Cluster, ClusterSettings, ReportRecord, emerging_clusters
from watchfloor.insights.evidence import identifiers
from watchfloor.insights.spikes import HOUR, Spike, detect_spikes
from watchfloor.sim.demo_reports import generate_labelled_reports
from watchfloor.triage.linking import minhash


@dataclass
class Alarms:
    spikes: list[tuple[datetime, Spike]]
    clusters: list[tuple[datetime, Cluster]]
    cluster_seconds: list[float]
    spike_seconds: list[float]


def run_live(month: Month) -> Alarms:
    """Every hour of the evaluated weeks: spikes over the counts so far, clusters over the window."""
    counts: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    alarms = Alarms([], [], [], [])
    # When each identifier was held, as the live pass asks the database (insights.service).
    held: dict[str, list[datetime]] = defaultdict(list)
    for r in month.records:
        for ident in identifiers(r.text, r.subjects):
            held[ident].append(r.at)
    settings = ClusterSettings()
    records, i, lo = month.records, 0, 0
    hour = month.since
    while hour < month.end:
        nxt = hour + HOUR
        while i < len(records) and records[i].at < nxt:
            r = records[i]
            counts[r.harm_area or "unknown"][hour] += 1
            counts[f"source {month.sources[r.id]}"][hour] += 1
            i += 1
        if nxt > month.eval_start:
            now = nxt - timedelta(microseconds=1)  # the hour just ended, end included
            started = time.perf_counter()
            alarms.spikes += [(nxt, s) for s in detect_spikes(counts, hour=hour, since=month.since)]
            alarms.spike_seconds.append(time.perf_counter() - started)
            while records[lo].at <= now - timedelta(hours=48):
                lo += 1
            started = time.perf_counter()
            start = now - settings.window
            found = emerging_clusters(
                records[lo:i], now=now, known=partial(_seen, held, start - settings.novelty, start)
            )
            alarms.cluster_seconds.append(time.perf_counter() - started)
            alarms.clusters += [(nxt, c) for c in found]
        hour = nxt
    return alarms


def _seen(
    held: dict[str, list[datetime]], since: datetime, start: datetime, candidates: set[str]
) -> set[str]:
    """The candidates some report held in [since, start)."""
    return {
        c for c in candidates if (t := held[c]) and bisect_left(t, since) < bisect_left(t, start)
    }


def _episodes(alarms: list[tuple[datetime, str, str]]) -> list[tuple[datetime, str, str]]:
    """One alarm per run of alarms on the same key less than 24 h apart: what a person would
    see as one thing to look at. Items: (time, key, verdict)."""
    last: dict[str, datetime] = {}
    out = []
    for at, key, verdict in sorted(alarms):
        if key not in last or at - last[key] > DAY:
            out.append((at, key, verdict))
        last[key] = at
    return out


def evaluate(month: Month, alarms: Alarms, label: str) -> dict[str, float]:
    weeks = (month.end - month.eval_start) / timedelta(weeks=1)
    owner = {rid: p for p in month.spikes + month.campaigns for rid in p.ids}
    # Planted reports per key and hour: an alarm is the planted event's when that event's reports
    # in the flagged hours make at least half the excess (a source feeding a spiking area, the
    # fraud area under a campaign); it finds the event only on the event's own key.
    planted: dict[tuple[str, datetime], Counter[int]] = defaultdict(Counter)
    for r in month.records:
        if r.id in owner:
            hour = r.at.replace(minute=0, second=0, microsecond=0)
            for key in (r.harm_area or "unknown", f"source {month.sources[r.id]}"):
                planted[key, hour][id(owner[r.id])] += 1
    spike_alarms = []
    for at, s in alarms.spikes:
        inside: Counter[int] = Counter()
        for h in range(int((s.end - s.start) / HOUR)):
            inside.update(planted.get((s.key, s.start + h * HOUR), Counter()))
        verdict = "false"
        if inside and inside.most_common(1)[0][1] * 2 >= s.observed - s.expected:
            p = next(
                q for q in month.spikes + month.campaigns if id(q) == inside.most_common(1)[0][0]
            )
            verdict = "spike" if p in month.spikes else "campaign"
            own = f"source {p.key}" if p.kind == "source" else p.key
            if p in month.spikes and s.key == own and p.found_at is None:
                p.found_at = at
        spike_alarms.append((at, s.key, verdict))
    cluster_alarms = []
    # A cluster's id is its earliest report in the window, which changes as the window slides:
    # a false cluster keeps the key of an earlier alarm it shares half its reports with.
    shown: list[tuple[datetime, str, set[int]]] = []
    for at, c in alarms.clusters:
        votes: dict[int, int] = defaultdict(int)
        for rid in c.report_ids:
            if rid in owner:
                votes[id(owner[rid])] += 1
        best = max(votes, key=votes.__getitem__, default=None)
        verdict = "false"
        if best is not None and votes[best] * 2 >= c.size:
            p = next(q for q in month.spikes + month.campaigns if id(q) == best)
            verdict = "campaign" if p in month.campaigns else "spike"
            if p in month.campaigns and p.found_at is None:
                p.found_at = at
        key, ids = f"{verdict}{best}", set(c.report_ids)
        if verdict == "false":
            key = next(
                (
                    k
                    for t, k, seen in reversed(shown)
                    if at - t <= DAY and len(ids & seen) * 2 >= min(len(ids), len(seen))
                ),
                str(c.id),
            )
            shown.append((at, key, ids))
        cluster_alarms.append((at, key, verdict))
    arrivals: dict[int, list[datetime]] = defaultdict(list)
    for r in month.records:
        if r.id in owner:
            arrivals[id(owner[r.id])].append(r.at)
    print(f"\n== {label} ==  {len(month.records):,} reports, {weeks:g} evaluated weeks")
    figures: dict[str, float] = {}
    for name, planted, raised in (
        ("spikes", month.spikes, spike_alarms),
        ("clusters", month.campaigns, cluster_alarms),
    ):
        episodes = _episodes(raised)
        false = [e for e in episodes if e[2] == "false"]
        found = [p for p in planted if p.found_at is not None]
        ttd = [(p.found_at - p.start) / HOUR for p in found if p.found_at]
        precision = 1 - len(false) / len(episodes) if episodes else float("nan")
        print(
            f"{name:<9} planted {len(planted):>3}  recall {len(found) / len(planted):6.1%}  "
            f"precision {precision:6.1%} ({len(episodes)} alarms, {len(false)} false, "
            f"{len(false) / weeks:.2f}/week)  time to detect h: median "
            f"{statistics.median(ttd) if ttd else float('nan'):.1f}, worst {max(ttd, default=float('nan')):.1f}"
        )
        for p in planted:
            took = f"{(p.found_at - p.start) / HOUR:5.1f} h" if p.found_at else "  missed"
            first6 = sum(1 for t in arrivals[id(p)] if t <= p.start + 6 * HOUR)
            print(
                f"    {p.kind:<8} {p.key:<28} {len(p.ids):>4} reports over {(p.end - p.start) / HOUR:4.0f} h"
                f" ({first6:>3} in its first 6 h)  {took}"
                + (
                    f" from its start, {_after(p, arrivals, 10)} after its 10th report"
                    if name == "clusters"
                    else ""
                )
            )
        for at, key, _ in false[:8]:
            print(f"    false alarm {at:%a %d %H:%M} {key}")
        figures[f"{name}_false_per_week"] = len(false) / weeks
    monday = sum(
        1
        for at, _, v in spike_alarms
        if v == "false" and at.weekday() == 0 and (at - HOUR).hour in SURGE_HOURS
    )
    big = [p for p in month.campaigns if len(p.ids) >= 50]
    in_time = all(p.found_at is not None and p.found_at - p.start <= 6 * HOUR for p in big)
    late = {n: [p for p in big if not _within(p, arrivals, n)] for n in (10, 50)}
    per_week = figures["spikes_false_per_week"] + figures["clusters_false_per_week"]
    times = alarms.cluster_seconds
    print(f"Monday-morning surge hours flagged as spikes: {monday}")
    spike_ms = statistics.median(alarms.spike_seconds) * 1000
    print(
        f"spike pass over every key: median {spike_ms:.0f} ms, worst {max(alarms.spike_seconds) * 1000:.0f} ms"
    )
    print(
        f"cluster pass over the 48 h window: median {statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
    )
    print(
        f"target: every planted campaign of 50+ found within 6 h: {'yes' if in_time else 'NO'}; "
        f"false alarms per week <= 1: {'yes' if per_week <= 1 else 'NO'} ({per_week:.2f})"
    )
    # Not the target, an honest extra: a campaign with 2 reports in its first 6 h cannot be seen
    # then; these say how soon it is seen once there is something to see.
    for n in (10, 50):
        print(
            f"also: campaigns of 50+ found within 6 h of their {n}th report: "
            f"{len(big) - len(late[n])}/{len(big)}"
        )
    return figures


def _after(p: Planted, arrivals: dict[int, list[datetime]], n: int) -> str:
    times = sorted(arrivals[id(p)])
    if p.found_at is None or len(times) < n:
        return "-"
    after = (p.found_at - times[n - 1]) / HOUR
    return f"{after:.1f} h" if after >= 0 else f"(before it) {after:.1f} h"


def _within(p: Planted, arrivals: dict[int, list[datetime]], n: int) -> bool:
    times = sorted(arrivals[id(p)])
    return p.found_at is not None and p.found_at - times[min(n, len(times)) - 1] <= 6 * HOUR


def scale_check(per_day: int, seed: int) -> None:
    """One cluster pass over a day of ``per_day`` reports, signatures included."""
    day = generate_labelled_reports(per_day, start=START, end=START + DAY, seed=seed)
    records = [
        ReportRecord(i, d.arrived_at, d.report.text, tuple(subjects(d))) for i, d in enumerate(day)
    ]
    started = time.perf_counter()
    signed = [replace(r, signature=minhash.signature(r.text) or b"") for r in records]
    signing = time.perf_counter() - started
    started = time.perf_counter()
    emerging_clusters(signed, now=START + DAY)
    print(
        f"scale: a day of {per_day:,} reports: signatures {signing:.1f} s (stored by the linking room), cluster pass {time.perf_counter() - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4, help="evaluated weeks per month")
    parser.add_argument("--history", type=int, default=3, help="clean weeks before them")
    parser.add_argument("--per-day", type=int, default=2500, help="reports on a weekday")
    parser.add_argument("--seed", type=int, help="run one month with this seed instead of both")
    parser.add_argument(
        "--scale", type=int, default=30_000, help="reports in the scale check (0: skip)"
    )
    args = parser.parse_args()
    print(f"CPU yardstick: 10M Python additions in {cpu_yardstick():.2f} s (lower is faster)")
    runs = (
        [(f"seed {args.seed}", args.seed)]
        if args.seed is not None
        else [
            ("TRAINING month (seed 1: tune thresholds here)", 1),
            ("EVALUATION month (seed 2: final figures only)", 2),
            ("second EVALUATION month (seed 3: sealed until the novelty rule was written)", 3),
        ]
    )
    for label, seed in runs:
        started = time.perf_counter()
        month = build_month(seed, args.history, args.weeks, args.per_day)
        built = time.perf_counter() - started
        alarms = run_live(month)
        evaluate(month, alarms, label)
        print(
            f"(generated in {built:.0f} s, detection {time.perf_counter() - started - built:.0f} s)"
        )
    if args.scale:
        scale_check(args.scale, 3)


if __name__ == "__main__":
    main()
