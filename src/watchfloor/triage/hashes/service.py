"""Hash lists: creating, importing into, listing and deleting them; matching evidence against them.

Intake or triage calls ``match_evidence`` with evidence bytes; a match to a list marked
child-safety is what makes a case P0, and ``HashMatch.reason`` says which list matched.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.bulk import insert_ignoring_conflicts
from watchfloor.clock import Clock
from watchfloor.db import pairs_in
from watchfloor.errors import Conflict, Invalid, NotFound
from watchfloor.triage.hashes import formats as hash_formats
from watchfloor.triage.hashes.hashing import (
    ALGORITHM_TITLES,
    PDQ_MATCH_THRESHOLD,
    EvidenceHashes,
    PdqIndex,
    compute,
)
from watchfloor.triage.hashes.models import HashEntry, HashList
from watchfloor.triage.taxonomy import Taxonomy

_INSERT_CHUNK = 5000


@dataclass(frozen=True)
class HashMatch:
    """Evidence matched a hash on a list."""

    list_name: str
    harm_area: str
    child_safety: bool
    algorithm: str  # sha256 | md5 | pdq
    distance: int  # bits apart for PDQ; 0 for an exact match
    label: str | None = None

    @property
    def reason(self) -> str:
        """One line for people, e.g. "image matched hash list 'ncmec' (child safety) by PDQ at
        distance 12"."""
        kind = " (child safety)" if self.child_safety else ""
        how = ALGORITHM_TITLES.get(self.algorithm, self.algorithm)
        if self.algorithm == "pdq":
            return (
                f"image matched hash list {self.list_name!r}{kind} by {how} "
                f"at distance {self.distance}"
            )
        return f"file matched hash list {self.list_name!r}{kind} by {how} (exact)"


@dataclass(frozen=True)
class ImportResult:
    added: int  # new on the list
    duplicates: int  # already on the list, or repeated in the file
    skipped: dict[str, int]  # left out on purpose (e.g. URL signals), by why
    entry_count: int  # on the list now


# --- lists -------------------------------------------------------------------------------------


def get(session: Session, *, name: str) -> HashList | None:
    return session.scalar(select(HashList).where(HashList.name == name))


def get_or_raise(session: Session, *, name: str) -> HashList:
    found = get(session, name=name)
    if found is None:
        raise NotFound(f"no hash list named {name!r}")
    return found


def list_all(session: Session) -> Sequence[HashList]:
    return session.scalars(select(HashList).order_by(HashList.name)).all()


def counts_by_algorithm(session: Session, *, list_id: int) -> dict[str, int]:
    rows = session.execute(
        select(HashEntry.algorithm, func.count())
        .where(HashEntry.list_id == list_id)
        .group_by(HashEntry.algorithm)
    ).all()
    return {algorithm: int(n) for algorithm, n in sorted(rows)}


def create(
    session: Session,
    clock: Clock,
    *,
    name: str,
    harm_area: str,
    child_safety: bool,
    source: str,
    description: str | None,
    taxonomy: Taxonomy,
    actor: str,
) -> HashList:
    """A new, empty list; 409 when the name is taken, 422 for a harm area the taxonomy lacks."""
    if harm_area not in taxonomy.area_ids:
        raise Invalid(
            f"unknown harm area {harm_area!r}; known: {', '.join(taxonomy.area_ids)}",
            fields=[{"loc": ["body", "harm_area"], "msg": "not a harm area of the taxonomy"}],
        )
    if get(session, name=name) is not None:
        raise Conflict(f"a hash list named {name!r} already exists")
    now = clock.now()
    hash_list = HashList(
        name=name,
        harm_area=harm_area,
        child_safety=child_safety,
        description=description,
        source=source,
        entry_count=0,
        revision=uuid.uuid4().hex,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(hash_list)
    except IntegrityError:  # created by someone else since we looked
        raise Conflict(f"a hash list named {name!r} already exists") from None
    audit.record(
        session,
        at=now,
        actor=actor,
        action="hash_list.created",
        object_type="hash_list",
        object_id=name,
        after=_summary(hash_list),
    )
    return hash_list


def check_settings(
    hash_list: HashList, *, harm_area: str | None, child_safety: bool | None
) -> None:
    """Refuse to import into an existing list under settings that say it is another list."""
    if harm_area is not None and harm_area != hash_list.harm_area:
        raise Invalid(
            f"hash list {hash_list.name!r} is about {hash_list.harm_area!r}, not {harm_area!r}"
        )
    if child_safety is not None and child_safety != hash_list.child_safety:
        marked = "is" if hash_list.child_safety else "is not"
        raise Invalid(f"hash list {hash_list.name!r} {marked} marked child safety")


def delete_list(session: Session, clock: Clock, *, name: str, actor: str) -> None:
    """Delete a list and its hashes; evidence stops matching it at once."""
    hash_list = get_or_raise(session, name=name)
    before = _summary(hash_list)
    session.execute(delete(HashEntry).where(HashEntry.list_id == hash_list.id))
    session.delete(hash_list)
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="hash_list.deleted",
        object_type="hash_list",
        object_id=name,
        before=before,
    )


def import_file(
    session: Session, clock: Clock, *, name: str, data: bytes, fmt: str, actor: str
) -> ImportResult:
    """Add the hashes of a file (CSV or ThreatExchange) to a list: all of them, or none when any
    line is bad (the error names each bad line). Hashes already on the list are counted, not
    added twice."""
    parsed = hash_formats.parse(data, fmt)
    # Locked, so concurrent imports into one list count their additions right.
    hash_list = session.scalar(select(HashList).where(HashList.name == name).with_for_update())
    if hash_list is None:
        raise NotFound(f"no hash list named {name!r}")
    unique: dict[tuple[str, str], hash_formats.ParsedEntry] = {}
    for entry in parsed.entries:
        unique.setdefault((entry.algorithm, entry.value), entry)
    rows = [
        {
            "list_id": hash_list.id,
            "algorithm": e.algorithm,
            "value": e.value,
            "label": e.label,
            "reference": e.reference,
        }
        for e in unique.values()
    ]
    for start in range(0, len(rows), _INSERT_CHUNK):
        insert_ignoring_conflicts(
            session,
            cast(Table, HashEntry.__table__),
            rows[start : start + _INSERT_CHUNK],
            ["list_id", "algorithm", "value"],
        )
    count = session.scalar(
        select(func.count()).select_from(HashEntry).where(HashEntry.list_id == hash_list.id)
    )
    added = int(count or 0) - hash_list.entry_count
    result = ImportResult(
        added=added,
        duplicates=len(parsed.entries) - added,
        skipped=dict(parsed.skipped),
        entry_count=int(count or 0),
    )
    hash_list.entry_count = result.entry_count
    hash_list.revision = uuid.uuid4().hex
    hash_list.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        at=clock.now(),
        actor=actor,
        action="hash_list.imported",
        object_type="hash_list",
        object_id=name,
        after={
            "format": fmt,
            "added": result.added,
            "duplicates": result.duplicates,
            "skipped": result.skipped,
            "entry_count": result.entry_count,
        },
    )
    return result


def _summary(hash_list: HashList) -> dict[str, Any]:
    return {
        "harm_area": hash_list.harm_area,
        "child_safety": hash_list.child_safety,
        "source": hash_list.source,
        "entry_count": hash_list.entry_count,
    }


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ListInfo:
    id: int
    name: str
    harm_area: str
    child_safety: bool
    revision: str


class _PdqCache:
    """Each process keeps the PDQ hashes of each list in memory, keyed by the list's revision, so
    matching an image costs no database read unless a list changed. It is only a cache: a
    restart rebuilds it from the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[tuple[str, int], tuple[str, PdqIndex, list[str | None]]] = {}

    def index(self, session: Session, info: _ListInfo) -> tuple[PdqIndex, list[str | None]]:
        key = (_database_key(session), info.id)
        with self._lock:
            held = self._lists.get(key)
        if held is not None and held[0] == info.revision:
            return held[1], held[2]
        rows = session.execute(
            select(HashEntry.value, HashEntry.label)
            .where(HashEntry.list_id == info.id, HashEntry.algorithm == "pdq")
            .order_by(HashEntry.id)
        ).all()
        index = PdqIndex([v for v, _ in rows])
        labels = [label for _, label in rows]
        with self._lock:
            self._lists[key] = (info.revision, index, labels)
        return index, labels

    def forget_others(self, session: Session, keep: set[int]) -> None:
        """Drop deleted lists of this database, so their memory is given back."""
        db = _database_key(session)
        with self._lock:
            for key in [k for k in self._lists if k[0] == db and k[1] not in keep]:
                del self._lists[key]


def _database_key(session: Session) -> str:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=True)


_PDQ_CACHE = _PdqCache()


def match_evidence(session: Session, items: list[tuple[int, bytes]]) -> dict[int, list[HashMatch]]:
    """Match each (caller's key, evidence bytes) against every hash list.

    Returns the matches by key (a key with none is absent), at most one per list (the closest),
    child-safety lists first. With no lists it costs one small query and hashes nothing.
    """
    lists = _lists(session)
    if not lists or not items:
        return {}
    return _match(session, lists, [(key, compute(data)) for key, data in items])


def match_hashes(
    session: Session, items: list[tuple[int, EvidenceHashes]]
) -> dict[int, list[HashMatch]]:
    """Like ``match_evidence``, for evidence whose hashes are already known (see hashing.compute)."""
    lists = _lists(session)
    if not lists or not items:
        return {}
    return _match(session, lists, items)


def _lists(session: Session) -> dict[int, _ListInfo]:
    rows = session.execute(
        select(
            HashList.id,
            HashList.name,
            HashList.harm_area,
            HashList.child_safety,
            HashList.revision,
        )
    ).all()
    return {r.id: _ListInfo(r.id, r.name, r.harm_area, r.child_safety, r.revision) for r in rows}


def _match(
    session: Session, lists: dict[int, _ListInfo], items: list[tuple[int, EvidenceHashes]]
) -> dict[int, list[HashMatch]]:
    best: dict[int, dict[int, HashMatch]] = {}  # key → list id → closest match

    def keep(key: int, info: _ListInfo, algorithm: str, distance: int, label: str | None) -> None:
        found = best.setdefault(key, {})
        old = found.get(info.id)
        if old is None or distance < old.distance:
            found[info.id] = HashMatch(
                info.name, info.harm_area, info.child_safety, algorithm, distance, label
            )

    wanted: dict[tuple[str, str], list[int]] = {}
    for key, hashes in items:
        wanted.setdefault(("sha256", hashes.sha256), []).append(key)
        wanted.setdefault(("md5", hashes.md5), []).append(key)
    exact = session.execute(
        select(HashEntry.list_id, HashEntry.algorithm, HashEntry.value, HashEntry.label).where(
            pairs_in(session, HashEntry.algorithm, HashEntry.value, list(wanted))
        )
    ).all()
    for list_id, algorithm, value, label in exact:
        if list_id in lists:  # a list created since we read them: next time
            for key in wanted[algorithm, value]:
                keep(key, lists[list_id], algorithm, 0, label)

    images = [(key, h.pdq) for key, h in items if h.pdq is not None and h.pdq_matchable]
    if images:
        _PDQ_CACHE.forget_others(session, set(lists))
        for info in lists.values():
            index, labels = _PDQ_CACHE.index(session, info)
            for key, pdq in images:
                for position, distance in index.within(pdq, PDQ_MATCH_THRESHOLD)[:1]:
                    keep(key, info, "pdq", distance, labels[position])

    return {
        key: sorted(found.values(), key=lambda m: (not m.child_safety, m.distance, m.list_name))
        for key, found in best.items()
    }
