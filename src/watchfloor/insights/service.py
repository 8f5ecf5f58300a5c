"""Insights on live data: the pure detectors (spikes, clusters) run over what intake stored."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from watchfloor.cases import decided
from watchfloor.insights import automation
from watchfloor.insights import metrics as summaries
from watchfloor.insights.clusters import Cluster, ClusterSettings, ReportRecord, emerging_clusters
from watchfloor.insights.evidence import Known, identifiers, text_needle
from watchfloor.insights.measures import MetricFilter, Metrics
from watchfloor.insights.spikes import HOUR, WEEK, Spike, SpikeSettings, detect_spikes
from watchfloor.intake import volumes
from watchfloor.triage.linking import similar

# The 48 h window of a busy week holds ~10^5 reports; past this the newest are kept (a campaign
# shows in the recent part) and the pass stays within a request's time.
MAX_CLUSTER_REPORTS = 60_000
# Texts read to tell whether a new-looking link or phone was named before the window.
MAX_KNOWN_TEXTS = 2_000


def last_full_hour(at: datetime) -> datetime:
    """The start of the hour that ends at or just before ``at``: the hour the spike check reads."""
    return at.replace(minute=0, second=0, microsecond=0) - HOUR


def spikes(
    session: Session, *, at: datetime, settings: SpikeSettings = SpikeSettings()
) -> list[Spike]:
    """Harm areas and sources ("source in_app") out of their weekly band in the hour ending at
    the last full hour before ``at``, and in the 3 h and 24 h ending with it."""
    hour = last_full_hour(at)
    read = hourly_volumes(session, first_hour=hour, end=hour + HOUR, settings=settings)
    if read is None:
        return []
    since, counts = read
    found = detect_spikes(counts, hour=hour, since=since, settings=settings)
    return sorted(found, key=lambda s: (s.end, s.observed - s.expected), reverse=True)


def hourly_volumes(
    session: Session, *, first_hour: datetime, end: datetime, settings: SpikeSettings
) -> tuple[datetime, dict[str, dict[datetime, int]]] | None:
    """What the spike checks of the hours from ``first_hour`` to ``end`` read: the hourly
    volumes per harm area and per source ("source in_app") from the weeks they compare with
    (and the day-long check's first hour in each), or from the first report if later; with
    the hour they start. None before any report: volumes are unknown, not zero."""
    first = volumes.first_received(session)
    if first is None:
        return None
    history = first_hour + HOUR - settings.max_weeks * WEEK - timedelta(hours=24)
    since = max(history, first.replace(minute=0, second=0, microsecond=0))
    counts = dict(volumes.hourly_counts(session, start=since, end=end, by="harm_area"))
    for source, series in volumes.hourly_counts(session, start=since, end=end, by="source").items():
        counts[f"source {source}"] = series
    return since, counts


def clusters(
    session: Session, *, at: datetime, settings: ClusterSettings = ClusterSettings()
) -> list[Cluster]:
    """Emerging clusters among the reports of the window (48 h) ending at ``at``."""
    received = volumes.records_between(
        session, start=at - settings.window, end=at, limit=MAX_CLUSTER_REPORTS
    )
    # The linking room signs each report's text seconds after intake: signing 10^5 texts again
    # here would take most of the pass; only those not indexed yet are signed by the pass.
    stored = similar.signatures_of(session, report_ids=[r.id for r in received])
    records = [
        ReportRecord(
            id=r.id,
            at=r.received_at,
            text=r.text,
            subjects=r.subjects,
            harm_area=r.harm_area,
            case_key=r.case_key,
            signature=stored.get(r.id),
        )
        for r in received
    ]
    start = at - settings.window
    return emerging_clusters(
        records, now=at, settings=settings, known=_seen_before(session, start, settings)
    )


def _seen_before(session: Session, start: datetime, settings: ClusterSettings) -> Known:
    """Which identifiers a report held in the ``settings.novelty`` before ``start``: as its
    subject or the subject's identifiers, or named in its text."""
    since = start - settings.novelty

    def known(candidates: set[str]) -> set[str]:
        keys = [(kind, value) for kind, _, value in (c.partition(":") for c in candidates)]
        held = volumes.keys_held_between(session, keys=keys, start=since, end=start)
        found = {f"{kind}:{value}" for kind, value in held}
        needles = sorted({n for c in candidates - found if (n := text_needle(c))})
        texts = volumes.texts_containing(
            session, needles=needles, start=since, end=start, limit=MAX_KNOWN_TEXTS
        )
        if len(texts) == MAX_KNOWN_TEXTS:  # too common a piece of text to call anything new
            return set(candidates)
        for text in texts:
            found |= identifiers(text) & candidates
        return found

    return known


def opportunities(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    min_decisions: int = 50,
    min_share: float = 0.95,
) -> list[automation.Opportunity]:
    """Policies whose triage suggestion was decided the same way nearly every time in
    [since, until): see insights.automation."""
    return automation.opportunities(
        decided.outcomes_between(session, start=since, end=until),
        min_decisions=min_decisions,
        min_share=min_share,
    )


def metrics(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    filter: MetricFilter,
    harm_areas: Collection[str] | None = None,
) -> Metrics:
    """Volumes, times, SLA attainment, backlog, decisions, reopens and QA accuracy over the whole
    UTC days of [start, end) for the cases ``filter`` keeps, from the summary tables the worker's
    insights-rollup job keeps (see insights.metrics). An unknown harm area (of ``harm_areas``)
    is a 422."""
    summaries.check(filter, harm_areas=harm_areas)
    return summaries.read(session, start=start, end=end, filter=filter)
