"""The weekly report: a week's metrics beside the week before, its spikes, emerging clusters,
automation opportunities and QA agreement, with plain-language findings; as HTML (the console
page and a self-contained file) and PDF.

A week is an ISO week, Monday 00:00 UTC to the next Monday; the default is the last full week
before the clock's now. The same ``WeeklyReport`` renders every format, so they never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from watchfloor.auth.permissions import Permission, roles_with
from watchfloor.cases import exposure
from watchfloor.errors import Invalid, WatchfloorError
from watchfloor.insights import charts, service
from watchfloor.insights.automation import Opportunity
from watchfloor.insights.charts import duration_text
from watchfloor.insights.clusters import Cluster
from watchfloor.insights.findings import Finding, Targets, findings, number, percent
from watchfloor.insights.measures import MetricFilter, Metrics, Rate
from watchfloor.insights.spikes import HOUR, WEEK, Spike, SpikeSettings, detect_spikes
from watchfloor.quality import tables
from watchfloor.triage.taxonomy import Taxonomy

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Emerging clusters are looked for every this often through the week (each look covers 48 h).
CLUSTER_STEP = timedelta(hours=12)
EN_DASH = "\u2013"
PREFERENCE = {"hour": 0, "3 hours": 1, "day": 2}


@dataclass(frozen=True)
class Episode:
    """Consecutive flags of one key merged: when it was out of its band, and its peak flag."""

    key: str
    start: datetime
    end: datetime
    peak: Spike


@dataclass(frozen=True)
class WeeklyReport:
    week: str  # "2026-W48"
    start: datetime
    end: datetime
    partial: bool  # the week has not ended yet
    metrics: Metrics
    previous: Metrics
    spikes: list[Episode]
    clusters: list[Cluster]
    opportunities: list[Opportunity]
    agreement: list[tables.Row]
    findings: list[Finding]
    withheld: frozenset[str] = field(default_factory=frozenset)


def week_label(start: datetime) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(text: str | None, *, now: datetime) -> datetime:
    """Monday 00:00 UTC of ISO week ``text`` ("2026-W48"), or of the last full week before
    ``now``; Invalid naming the problem for a malformed week or one that has not begun."""
    if text is None:
        monday = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return monday - timedelta(days=monday.weekday()) - WEEK
    found = _WEEK.match(text.strip())
    try:
        if not found:
            raise ValueError
        start = datetime.fromisocalendar(int(found[1]), int(found[2]), 1).replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(
            f"week {text!r} is not an ISO week: write it like 2026-W48",
            fields=[{"loc": ["query", "week"], "msg": "an ISO week such as 2026-W48"}],
        ) from None
    if start > now:
        raise Invalid(
            f"week {text} has not begun yet",
            fields=[{"loc": ["query", "week"], "msg": "a week that has begun"}],
        )
    return start


def withheld_from_some_reader(taxonomy: Taxonomy) -> frozenset[str]:
    """Harm areas whose words some role that reads insights may not see: a report file can be
    passed on to any of them."""
    out: frozenset[str] = frozenset()
    for role in roles_with(Permission.INSIGHTS_READ):
        out |= exposure.withheld_areas(taxonomy, role=role)
    return out


def spike_episodes(
    session: Session, *, start: datetime, end: datetime, settings: SpikeSettings = SpikeSettings()
) -> list[Episode]:
    """The spikes flagged at each hour of [start, end), merged per key where their spans touch;
    the largest excess first."""
    read = service.hourly_volumes(session, first_hour=start, end=end, settings=settings)
    if read is None:
        return []
    since, counts = read
    flags: list[Spike] = []
    hour = start
    while hour + HOUR <= end:  # whole hours only: a week still running stops at the last
        flags.extend(detect_spikes(counts, hour=hour, since=since, settings=settings))
        hour += HOUR
    episodes: list[Episode] = []
    for spike in sorted(flags, key=lambda s: (s.key, s.start, s.end)):
        last = episodes[-1] if episodes else None
        if last is not None and last.key == spike.key and spike.start <= last.end:
            better = (PREFERENCE[spike.check], -(spike.observed - spike.expected)) < (
                PREFERENCE[last.peak.check],
                -(last.peak.observed - last.peak.expected),
            )
            episodes[-1] = Episode(
                last.key, last.start, max(last.end, spike.end), spike if better else last.peak
            )
        else:
            episodes.append(Episode(spike.key, spike.start, spike.end, spike))
    return sorted(episodes, key=lambda e: (-(e.peak.observed - e.peak.expected), e.start))


def week_clusters(session: Session, *, start: datetime, end: datetime) -> list[Cluster]:
    """Clusters that were emerging at some point of the week (looked for every
    ``CLUSTER_STEP``), each as it was at its largest; the largest first."""
    moments = []
    at = start + CLUSTER_STEP
    while at <= end:
        moments.append(at)
        at += CLUSTER_STEP
    if not moments or moments[-1] < end:
        moments.append(end)  # a week still running: up to now
    found: dict[int, Cluster] = {}
    for at in moments:
        for c in service.clusters(session, at=at):
            if c.id not in found or c.size > found[c.id].size:
                found[c.id] = c
    return sorted(found.values(), key=lambda c: (-c.size, c.id))


def assemble(
    session: Session,
    *,
    start: datetime,
    now: datetime,
    withheld: frozenset[str],
    targets: Targets = Targets(),
) -> WeeklyReport:
    """Everything the report shows for the week starting at ``start``."""
    end = start + WEEK
    upto = min(end, now)
    metrics = service.metrics(session, start=start, end=end, filter=MetricFilter())
    previous = service.metrics(session, start=start - WEEK, end=start, filter=MetricFilter())
    spikes = spike_episodes(session, start=start, end=upto)
    clusters = week_clusters(session, start=start, end=upto)
    opportunities = service.opportunities(session, since=start, until=end)
    agreement = tables.table(session, by="harm_area", start=start, end=end)
    kappas = [(r.group, r.kappa) for r in agreement if r.group != "all"]
    found = findings(
        metrics,
        previous,
        spikes=[e.peak for e in spikes],
        clusters=clusters,
        opportunities=opportunities,
        kappas=kappas,
        withheld=withheld,
        targets=targets,
    )
    return WeeklyReport(
        week=week_label(start),
        start=start,
        end=end,
        partial=now < end,
        metrics=metrics,
        previous=previous,
        spikes=spikes,
        clusters=clusters,
        opportunities=opportunities,
        agreement=agreement,
        findings=found,
        withheld=withheld,
    )


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    head: list[str]
    rows: list[list[str]]
    empty: str = "Nothing in this week."


def _change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "\u2014"
    return f"{(now - before) / before * 100:+.0f} %"


def _rate(rate: Rate) -> str:
    if rate.of == 0:
        return "\u2014"
    text = f"{percent(rate.count / rate.of)} ({number(rate.count)} of {number(rate.of)})"
    if rate.low is not None and rate.high is not None:
        text += f", 95 % CI {percent(rate.low)}{EN_DASH}{percent(rate.high)}"
    return text


def _volume_table(r: WeeklyReport, dimension: str, title: str) -> Table:
    now = r.metrics.volume.get(dimension, {})
    before = r.previous.volume.get(dimension, {})
    keys = sorted(set(now) | set(before), key=lambda k: (-now.get(k, 0), k))
    rows = [
        [
            k,
            number(now.get(k, 0)),
            number(before.get(k, 0)),
            _change(now.get(k, 0), before.get(k, 0)),
        ]
        for k in keys
    ]
    head = [title, "This week", "Last week", "Change"]
    return Table(f"volume-{dimension}", f"Volume by {title.lower()}", head, rows)


def report_tables(r: WeeklyReport) -> list[Table]:
    """The report's tables beside its charts, in the order the page shows them."""
    m, p = r.metrics, r.previous
    summary = [
        ["Cases opened", number(m.opened), number(p.opened)],
        ["First action p50 / p90 / p99", *(_spread(x.first_action) for x in (m, p))],
        ["Resolution p50 / p90 / p99", *(_spread(x.resolution) for x in (m, p))],
        ["First-action SLA met", *(_share(x.sla_first_action.share) for x in (m, p))],
        ["Resolution SLA met", *(_share(x.sla_resolution.share) for x in (m, p))],
        ["Open at the end", number(m.backlog.open), number(p.backlog.open)],
        ["Decisions finding a violation", _rate(m.violations), _rate(p.violations)],
        ["Reopened", _rate(m.reopened), _rate(p.reopened)],
        ["Overturned after a reopen", _rate(m.overturned), _rate(p.overturned)],
        ["QA accuracy", _rate(m.qa_accuracy), _rate(p.qa_accuracy)],
    ]
    return [
        Table("summary", "The week in numbers", ["Measure", "This week", "Last week"], summary),
        _volume_table(r, "harm_area", "Harm area"),
        _volume_table(r, "source", "Source"),
        _volume_table(r, "region", "Region"),
        _volume_table(r, "language", "Language"),
        Table(
            "actions",
            "Actions taken",
            ["Action", "Count"],
            [[k, number(n)] for k, n in sorted(m.actions.items(), key=lambda kv: (-kv[1], kv[0]))],
        ),
        Table(
            "backlog",
            "Open cases by age at the end of the week",
            ["Waiting", "Cases"],
            [[band, number(n)] for band, n in m.backlog.by_age.items()],
        ),
        Table(
            "spikes",
            "Volume spikes",
            ["Harm area or source", "Out of band", "Peak", "Observed", "Expected"],
            [
                [
                    e.key,
                    f"{e.start:%a %d %b %H:%M}{EN_DASH}{e.end:%a %H:%M} UTC",
                    f"{e.peak.check} to {e.peak.end:%a %H:%M}",
                    number(e.peak.observed),
                    f"{e.peak.expected:.0f}",
                ]
                for e in r.spikes
            ],
            "No volume spike this week.",
        ),
        Table(
            "clusters",
            "Emerging clusters",
            ["About", "Reports", "First seen", "Example cases"],
            [
                [
                    "words withheld (graphic harm area)"
                    if any(a in r.withheld for a, _ in c.harm_areas)
                    else ", ".join(c.top_terms),
                    number(c.size),
                    f"{c.first_seen:%a %d %b %H:%M} UTC",
                    ", ".join(c.example_cases),
                ]
                for c in r.clusters
            ],
            "No emerging cluster this week.",
        ),
        Table(
            "automation",
            "Automation opportunities",
            ["Suggested policy", "Decisions", "Usual outcome", "Same", "Hours saved"],
            [
                [
                    o.suggested_policy,
                    number(o.decisions),
                    o.outcome,
                    o.same.describe(percent=True),
                    f"{o.hours_saved:.1f}",
                ]
                for o in r.opportunities
            ],
            "No policy was decided the same way often enough to automate.",
        ),
        Table(
            "agreement",
            "QA agreement by harm area",
            ["Harm area", "Reviewed", "Agreement", "Kappa", "Accuracy"],
            [
                [
                    row.group,
                    number(row.reviewed),
                    row.agreement.describe(percent=True),
                    row.kappa.describe("\u03ba"),
                    row.accuracy.describe(percent=True),
                ]
                for row in r.agreement
            ],
            "No decision of this week was reviewed.",
        ),
    ]


def _spread(d: Any) -> str:
    return " / ".join(duration_text(v) for v in (d.p50, d.p90, d.p99)) + f" (n = {d.count:,})"


def _share(share: float | None) -> str:
    return "\u2014" if share is None else percent(share)


def context(r: WeeklyReport) -> dict[str, Any]:
    """What the template needs, apart from the console's own values."""
    last = r.end - timedelta(days=1)
    heading = f"Weekly report {r.week}"
    span = f"{r.start:%a %d %b %Y} to {last:%a %d %b %Y} (UTC)"
    return {
        "heading": heading,
        "span": span + (": the week is not over, figures so far" if r.partial else ""),
        "week": r.week,
        "findings": r.findings,
        "charts": charts.of_metrics(r.metrics),
        "tables": report_tables(r),
        "fresh_as_of": r.metrics.fresh_as_of,
    }


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), cache_size=50
    )


def html(r: WeeklyReport, *, generated: datetime) -> str:
    """The report as one self-contained HTML file: inline CSS and SVG, no external URL."""
    template = _environment().get_template("report_weekly.html")
    return template.render(standalone=True, generated=generated, **context(r))


def pdf(document: str) -> bytes:
    """The HTML report as PDF (WeasyPrint); one clear error when its libraries cannot load."""
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as exc:
        raise WatchfloorError(
            f"PDF needs WeasyPrint and its system libraries (Pango): {str(exc).splitlines()[0]}"
        ) from None
    return bytes(HTML(string=document).write_pdf())
