"""Emerging clusters: groups of similar new reports that grow fast, e.g. a scam campaign (pure).

Over a sliding window (48 h by default), reports are joined when their texts are near-duplicates
(MinHash resemblance of word 3-shingles, the linking room's signatures, found through its LSH
bands), and separately when they share a subject identifier (the same link, phone, payment
fingerprint); both joins are transitive (union-find). Groups of either kind that are emerging
are then joined where they share reports, so a user who paraphrases the lure but pastes its
link joins those who quoted it. Inside a bucket every member is checked against the bucket's earliest one
only, which keeps a big template family linear instead of quadratic.

A cluster is *emerging* when enough of it arrived in the recent part of the window (6 h), its
recent rate is well above its own rate earlier in the window, and its reports share
infrastructure that is the cluster's own (see ``shared_evidence``). Recurring families of
reports (detector templates, standing fraud rings) have a steady rate and stay quiet; a new
campaign has no earlier rate at all. Growth alone is not enough: a form's or a detector's
template reads alike about many unrelated subjects, and such a family of a few reports an hour
often doubles for a few hours by chance; on the TRAINING month that made 26 false alarms a week.
The defaults were chosen on the generated TRAINING month of ``bench/insights.py`` (seed 1) only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

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
_URL = re.compile(r"https?://[^\s'\"<>]+", re.IGNORECASE)
_PHONE = re.compile(r"\+\d[\d\s().-]{6,}\d")
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
) -> list[Cluster]:
    """The emerging clusters among the reports of the window ending at ``now``, fastest first."""
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
    hot_text, hot_subject = rates.emerging(text_roots), rates.emerging(subject_roots)
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(node: tuple[int, int]) -> tuple[int, int]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for i in range(len(window)):
        t, s = int(text_roots[i]), int(subject_roots[i])
        if t in hot_text and s in hot_subject:
            a, b = find((0, t)), find((1, s))
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[tuple[int, int], list[int]] = {}
    for i in range(len(window)):
        t, s = int(text_roots[i]), int(subject_roots[i])
        if t in hot_text:
            members.setdefault(find((0, t)), []).append(i)
        elif s in hot_subject:
            members.setdefault(find((1, s)), []).append(i)
    if not members:
        return []
    background = _background(window)
    holders: Counter[str] | None = None
    found = []
    for rows in members.values():
        new = int(recent[rows].sum())
        growth = rates.growth(new, len(rows) - new)
        if new < settings.min_recent or growth < settings.min_growth:
            continue
        if holders is None:  # only counted when some group gets this far
            holders = Counter(i for r in window for i in identifiers(r))
        if shared_evidence(window, rows, recent, holders, settings.min_own) < settings.min_shared:
            continue
        found.append(_describe([window[i] for i in rows], growth, new, background, settings))
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

    def emerging(self, roots: Rows) -> set[int]:
        new = np.bincount(roots[self.recent], minlength=len(roots))
        sizes = np.bincount(roots, minlength=len(roots))
        return {
            int(root)
            for root in np.flatnonzero(new >= self.settings.min_recent)
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


def identifiers(record: ReportRecord) -> set[str]:
    """What a report names that a campaign shares: its subjects, and the links (whole and by
    host) and phone numbers quoted in its text."""
    found = set(record.subjects)
    for url in _URL.findall(record.text):
        url = url.rstrip(".,;:!?)]'\"").casefold()
        host = url.split("://", 1)[1].split("/", 1)[0]
        found |= {f"link:{url.split('://', 1)[1]}", f"host:{host}"}
    for phone in _PHONE.findall(record.text):
        found.add("phone:+" + re.sub(r"\D", "", phone))
    return found


def shared_evidence(
    window: Sequence[ReportRecord],
    rows: Sequence[int],
    recent: npt.NDArray[np.bool_],
    holders: Counter[str],
    min_own: float,
) -> int:
    """The most recent reports of a group (``rows`` of ``window``) that hold one identifier
    that is the group's own: held in the window mostly (``min_own``) by the group's reports.

    Similar wording alone is not a campaign: a detector's or a form's template, or a common
    complaint, reads alike about many unrelated subjects. A campaign runs on infrastructure
    (its links, its phone, its sender accounts) that its reports share; a standing fraud ring's
    payment fingerprint is shared too, but mostly by reports outside a new group.
    """
    inside: Counter[str] = Counter()
    new: Counter[str] = Counter()
    for i in rows:
        held = identifiers(window[i])
        inside.update(held)
        if recent[i]:
            new.update(held)
    return max(
        (n for ident, n in new.items() if inside[ident] >= min_own * holders[ident]), default=0
    )


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
