"""Emerging clusters: groups of similar new reports that grow fast, e.g. a scam campaign (pure).

Over a sliding window (48 h by default), reports are joined when their texts are near-duplicates
(MinHash resemblance of word 3-shingles, the linking room's signatures, found through its LSH
bands), and separately when they share a subject identifier (the same link, phone, payment
fingerprint); both joins are transitive (union-find). Inside an LSH bucket every member is
checked against the bucket's earliest one only, which keeps a big template family linear
instead of quadratic. Groups of either kind that are emerging are then joined where they share
reports, so a user who paraphrases the lure but pastes its link joins those who quoted it; a
text group joins one subject group only (the one it shares most reports with, or for a report
of its own, the one whose links it names), so two campaigns quoting the same lure from
infrastructure of their own stay two clusters.

A cluster is *emerging* when enough of it arrived in the recent part of the window (6 h), its
recent rate is well above its own rate earlier in the window, and its reports share
infrastructure that is the cluster's own (see ``shared_evidence``). Recurring families of
reports (detector templates, standing fraud rings) have a steady rate and stay quiet; a new
campaign has no earlier rate at all. Growth alone is not enough: a form's or a detector's
template reads alike about many unrelated subjects, and such a family of a few reports an hour
often doubles for a few hours by chance; on the TRAINING month that made 26 false alarms a week.

A slow campaign has two or three reports in its first hours, far below ``min_recent``. It is
seen then by what it shares: a link, domain or phone that no report named in the four weeks
before the window, sent by at least two different subjects (``novel_evidence``; the caller
answers what was named before, from the database). A new page on a known site is not new.
The defaults were chosen on the generated TRAINING month of ``bench/insights.py`` (seed 1) only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from watchfloor.insights.evidence import (
    Known,
    identifiers,
    novel_evidence,
    shared_evidence,
)
from watchfloor.triage.linking import minhash

# Words too common to say what a cluster is about, and the scaffolding of links.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours im ive dont doesnt didnt cant its got get pls please just like one also really
    http https www com net org html php""".split()  # noqa: SIM905 - a word list reads as prose
)
_TERM = re.compile(r"[^\W\d_]{3,}")
# How many of the window's reports stand for its background word frequencies.
BACKGROUND_SAMPLE = 4000
_MIX = np.uint64(0x9E3779B97F4A7C15)

Rows = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ReportRecord:
    """One report as the cluster search sees it."""

    id: int
    at: datetime
    text: str
    # Identifiers that tie reports together ("url:https://…", "phone:+15550123"); the caller
    # leaves out those that link nobody (free-mail domains).
    subjects: tuple[str, ...] = ()
    harm_area: str | None = None
    case_key: str | None = None
    # minhash.signature(text), when already known (the linking room stores it; b"": a text too
    # short to have one); None: computed here.
    signature: bytes | None = None


@dataclass(frozen=True)
class ClusterSettings:
    """Window and thresholds (chosen on the TRAINING month only)."""

    window: timedelta = timedelta(hours=48)
    recent: timedelta = timedelta(hours=6)
    min_similarity: float = 0.5
    # Shared evidence keeps false alarms down, so a campaign is flagged from its 5th recent
    # report: a slow one is seen hours earlier than at 8 (TRAINING: median 3.7 h -> 1.7 h).
    min_recent: int = 5
    min_growth: float = 4.0
    # Shared infrastructure: at least this many recent reports hold one identifier (a subject,
    # a link or a phone number in their text) that is the cluster's own, i.e. at least
    # ``min_own`` of the window's reports holding it are in the cluster.
    min_shared: int = 3
    min_own: float = 0.5
    # Fewer recent reports suffice when they come from ``min_novel_subjects`` different
    # subjects and share an identifier seen nowhere before the window (``known`` below).
    min_recent_novel: int = 2
    min_novel_subjects: int = 2
    # How far before the window "seen before" looks.
    novelty: timedelta = timedelta(days=28)
    top_terms: int = 8
    examples: int = 5
    max_subjects: int = 10


@dataclass(frozen=True)
class Cluster:
    """An emerging cluster: what it is, how fast it grows, where to look."""

    id: int  # its earliest report's id: stays the same while the cluster grows
    size: int  # reports in the window
    recent: int  # of which in the recent part
    growth: float  # recent rate over the rate earlier in the window (+1 smoothed)
    first_seen: datetime
    last_seen: datetime
    top_terms: tuple[str, ...]
    example_cases: tuple[str, ...]
    subjects: tuple[tuple[str, int], ...]  # shared identifiers and how many reports hold each
    harm_areas: tuple[tuple[str, int], ...]
    report_ids: tuple[int, ...]
    reason: str


def emerging_clusters(
    records: Iterable[ReportRecord],
    *,
    now: datetime,
    settings: ClusterSettings = ClusterSettings(),
    known: Known | None = None,
) -> list[Cluster]:
    """The emerging clusters among the reports of the window ending at ``now``, fastest first.

    ``known`` answers which of some identifiers were held by a report before the window; without
    it, every cluster needs ``settings.min_recent`` recent reports."""
    window = sorted(
        (r for r in records if now - settings.window < r.at <= now), key=lambda r: (r.at, r.id)
    )
    if not window:
        return []
    cut = now - settings.recent
    recent = np.array([r.at > cut for r in window])
    rates = _Rates(recent, settings)
    # Each relation alone gives meaningful groups; their union would not: template families of
    # reports and standing fraud rings share a few members each and chain the whole window
    # into one component. So each relation is grouped on its own, and only groups that are
    # already emerging are joined where they share reports (a campaign's quotes and its links).
    text_roots = text_groups(window, min_similarity=settings.min_similarity)
    subject_roots = subject_groups(window)
    hot_text = rates.emerging(text_roots, settings.min_recent)
    hot_subject = rates.emerging(subject_roots, settings.min_recent)
    held = [identifiers(r.text, r.subjects) for r in window]
    holders = Counter(i for row in held for i in row)
    # A smaller group on infrastructure nobody had before stands too (see ``novel_evidence``).
    novel: set[tuple[int, int]] = set()  # (0, text root) or (1, subject root)
    reporters = [r.subjects[0] if r.subjects else f"#{r.id}" for r in window]

    def fresh_of(rows: list[int]) -> set[str]:
        if known is None:
            return set()
        return novel_evidence(
            held, reporters, rows, recent, holders, known,
            min_reports=settings.min_recent_novel, min_subjects=settings.min_novel_subjects,
        )  # fmt: skip

    if known is not None:
        for kind, roots, hot in ((1, subject_roots, hot_subject), (0, text_roots, hot_text)):
            small = rates.emerging(roots, settings.min_recent_novel) - hot
            grouped: dict[int, list[int]] = {}
            for i in np.flatnonzero(np.isin(roots, list(small))).tolist():
                grouped.setdefault(int(roots[i]), []).append(i)
            novel |= {(kind, root) for root, rows in grouped.items() if fresh_of(rows)}
    hot_subject |= {root for kind, root in novel if kind == 1}
    hot_text |= {root for kind, root in novel if kind == 0}
    # A hot text group joins the one hot subject group it shares most reports with: two
    # campaigns quoting the same lure from infrastructure of their own stay two clusters.
    shared: Counter[tuple[int, int]] = Counter()
    for i in range(len(window)):
        t, s = int(text_roots[i]), int(subject_roots[i])
        if t in hot_text and s in hot_subject:
            shared[t, s] += 1
    # Its other reports go where their links say, else with the text group's subject group.
    overlaps: dict[int, list[int]] = {}
    for (t, s), _ in sorted(shared.items(), key=lambda item: (-item[1], item[0])):
        overlaps.setdefault(t, []).append(s)
    named: dict[int, set[str]] = {}
    for i in range(len(window)):
        if int(subject_roots[i]) in hot_subject:
            named.setdefault(int(subject_roots[i]), set()).update(held[i])
    members: dict[tuple[int, int], list[int]] = {}
    for i in range(len(window)):
        t, s = int(text_roots[i]), int(subject_roots[i])
        if s in hot_subject:
            members.setdefault((1, s), []).append(i)
        elif t in hot_text:
            options = overlaps.get(t, [])
            home = next((o for o in options if named[o] & held[i]), options[0] if options else None)
            members.setdefault((0, t) if home is None else (1, home), []).append(i)
    if not members:
        return []
    background = _background(window)
    found = []
    for (kind, root), rows in members.items():
        new = int(recent[rows].sum())
        growth = rates.growth(new, len(rows) - new)
        fresh: set[str] = set()
        if (kind, root) in novel:
            fresh = fresh_of(rows)
            if not fresh:
                continue
        else:
            if new < settings.min_recent or growth < settings.min_growth:
                continue
            evidence = shared_evidence(held, rows, recent, holders, settings.min_own)
            if evidence < settings.min_shared:
                continue
        described = _describe([window[i] for i in rows], growth, new, background, settings)
        if fresh:
            first = ", ".join(sorted(fresh)[:3])
            described = replace(
                described, reason=f"{described.reason}; new, never seen before: {first}"
            )
        found.append(described)
    return sorted(found, key=lambda c: (-c.growth, -c.size, c.id))


class _Rates:
    """Recent against earlier rate of groups of the window's reports."""

    def __init__(self, recent: npt.NDArray[np.bool_], settings: ClusterSettings) -> None:
        self.recent, self.settings = recent, settings
        self.recent_hours = settings.recent / timedelta(hours=1)
        self.earlier_hours = (settings.window - settings.recent) / timedelta(hours=1)

    def growth(self, new: int, old: int) -> float:
        # +1 on the earlier count: a group with no earlier reports grows fast, not infinitely.
        return (new / self.recent_hours) / ((old + 1) / self.earlier_hours)

    def emerging(self, roots: Rows, least: int) -> set[int]:
        """The roots with at least ``least`` recent reports that grow fast enough."""
        new = np.bincount(roots[self.recent], minlength=len(roots))
        sizes = np.bincount(roots, minlength=len(roots))
        return {
            int(root)
            for root in np.flatnonzero(new >= least)
            if self.growth(int(new[root]), int(sizes[root] - new[root])) >= self.settings.min_growth
        }


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The earlier record stays the root, so a group keeps its first report's index.
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> Rows:
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


def text_groups(records: Sequence[ReportRecord], *, min_similarity: float) -> Rows:
    """For each record, the index of its group's root: records joined by near-duplicate text
    (estimated resemblance at least ``min_similarity``), transitively."""
    groups = _UnionFind(len(records))
    for a, b in _similar_pairs(records, min_similarity):
        groups.union(a, b)
    return groups.roots()


def subject_groups(records: Sequence[ReportRecord]) -> Rows:
    """For each record, the index of its group's root: records joined by a shared subject
    identifier, transitively."""
    groups = _UnionFind(len(records))
    first_holder: dict[str, int] = {}
    for i, record in enumerate(records):
        for subject in record.subjects:
            groups.union(i, first_holder.setdefault(subject, i))
    return groups.roots()


def _similar_pairs(records: Sequence[ReportRecord], min_similarity: float) -> list[tuple[int, int]]:
    signed: list[int] = []
    blobs: list[bytes] = []
    for i, record in enumerate(records):
        sig = record.signature if record.signature is not None else minhash.signature(record.text)
        if sig:
            signed.append(i)
            blobs.append(sig)
    if len(signed) < 2:
        return []
    sigs = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), minhash.PERMUTATIONS)
    firsts, others = [], []
    for band in range(minhash.BANDS):
        cols = sigs[:, band * minhash.ROWS : (band + 1) * minhash.ROWS].astype(np.uint64)
        # A 64-bit key per band; a rare collision only costs one needless comparison.
        keys = (cols[:, 0] << np.uint64(32)) | cols[:, 1]
        keys ^= ((cols[:, 2] << np.uint64(32)) | cols[:, 3]) * _MIX
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        # The bucket's first member in sorted order is its earliest record.
        head = order[np.flatnonzero(starts)[np.cumsum(starts) - 1]]
        firsts.append(head[~starts])
        others.append(order[~starts])
    a, b = np.concatenate(firsts), np.concatenate(others)
    if not len(a):
        return []
    pairs = np.unique(a * len(signed) + b)
    a, b = pairs // len(signed), pairs % len(signed)
    need = math.ceil(min_similarity * minhash.PERMUTATIONS)
    keep: list[npt.NDArray[np.bool_]] = []
    for start in range(0, len(a), 100_000):  # bounded memory on a big day
        sa, sb = a[start : start + 100_000], b[start : start + 100_000]
        keep.append((sigs[sa] == sigs[sb]).sum(axis=1) >= need)
    ok = np.concatenate(keep)
    index = np.array(signed, dtype=np.int64)
    return list(zip(index[a[ok]].tolist(), index[b[ok]].tolist(), strict=True))


def terms(text: str) -> set[str]:
    """The words of a text that can say what it is about."""
    return {w for w in _TERM.findall(text.casefold()) if w not in STOP_WORDS}


def _background(window: Sequence[ReportRecord]) -> tuple[int, Counter[str]]:
    step = max(1, len(window) // BACKGROUND_SAMPLE)
    sample = window[::step]
    counts: Counter[str] = Counter()
    for record in sample:
        counts.update(terms(record.text))
    return len(sample), counts


def _describe(
    members: list[ReportRecord],
    growth: float,
    recent: int,
    background: tuple[int, Counter[str]],
    settings: ClusterSettings,
) -> Cluster:
    total, seen = background
    inside: Counter[str] = Counter()
    for record in members:
        inside.update(terms(record.text))
    size = len(members)
    # tf-idf: how many of the cluster's reports use the word, against how rare it is outside.
    scored = sorted(
        (-(n / size) * math.log((total + 1) / (seen[w] + 1)), w)
        for w, n in inside.items()
        if n >= max(2, size // 4)
    )
    top = tuple(w for _, w in scored[: settings.top_terms])
    cases = Counter(r.case_key for r in members if r.case_key)
    first_case: dict[str, datetime] = {}
    for r in members:
        if r.case_key:
            first_case.setdefault(r.case_key, r.at)
    examples = tuple(
        sorted(cases, key=lambda k: (-cases[k], first_case[k], k))[: settings.examples]
    )
    held = Counter(s for r in members for s in set(r.subjects))
    subjects = tuple((s, n) for s, n in held.most_common() if n >= 2)[: settings.max_subjects]
    areas = tuple(Counter(r.harm_area for r in members if r.harm_area).most_common())
    hours = settings.recent / timedelta(hours=1)
    reason = (
        f"{size} similar reports in {settings.window / timedelta(hours=1):g} h, {recent} in the "
        f"last {hours:g} h ({growth:.1f}x its earlier rate)"
        + (f"; about: {', '.join(top[:5])}" if top else "")
        + (f"; shared: {', '.join(s for s, _ in subjects[:3])}" if subjects else "")
    )
    return Cluster(
        id=min(r.id for r in members),
        size=size,
        recent=int(recent),
        growth=round(growth, 2),
        first_seen=members[0].at,
        last_seen=members[-1].at,
        top_terms=top,
        example_cases=examples,
        subjects=subjects,
        harm_areas=areas,
        report_ids=tuple(r.id for r in members),
        reason=reason,
    )
