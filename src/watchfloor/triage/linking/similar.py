"""Near-duplicate report text: the same scam template sent by many accounts is one campaign.

The worker (job ``index-texts``) gives each new report's text a MinHash signature and its LSH
band keys (triage.minhash), seconds after intake, so intake itself stays fast; a search reads the reports sharing a band key with the asked-for one, then keeps those whose whole
signatures agree enough, so a lucky band collision never counts as similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from watchfloor.bulk import insert_ignoring_conflicts
from watchfloor.cases import service as cases
from watchfloor.cases.exposure import NOT_FOR_YOUR_ROLE
from watchfloor.cases.schemas import case_key
from watchfloor.clock import Clock
from watchfloor.db import one_of, session_scope
from watchfloor.intake import service as intake
from watchfloor.triage.linking import minhash
from watchfloor.triage.linking.models import ReportTextBand, ReportTextSignature
from watchfloor.triage.linking.schemas import SimilarOut, SimilarReport

# Reports sharing most band keys are checked first; past this many the rest are not checked.
MAX_CANDIDATES = 5000
# How far below the newest indexed report the worker looks for reports still to index.
CATCH_UP = 20_000
EXCERPT = 200
SIGNATURE_BATCH = 10_000


def index_texts(session: Session, *, items: list[tuple[int, str]], now: datetime) -> None:
    """Store the signature and band keys of each (report id, text).

    A text too short to be campaign evidence gets an empty signature and no band keys, so it is
    marked done. Two multi-row inserts for the whole batch; rows another worker stored first
    are skipped.
    """
    signatures: list[dict[str, object]] = []
    bands: list[dict[str, int]] = []
    for report_id, text in items:
        sig = minhash.signature(text)
        signatures.append({"report_id": report_id, "signature": sig or b"", "indexed_at": now})
        if sig is not None:
            bands.extend(
                {"band_key": key, "report_id": report_id} for key in set(minhash.band_keys(sig))
            )
    insert_ignoring_conflicts(session, ReportTextSignature.__table__, signatures, ["report_id"])
    insert_ignoring_conflicts(session, ReportTextBand.__table__, bands, ["band_key", "report_id"])


def index_pending(sessions: sessionmaker[Session], clock: Clock, *, batch: int = 1000) -> int:
    """Index reports that have no signature yet, oldest first; how many were indexed.

    It looks a little below the newest indexed report, so a report whose transaction committed
    after a later one was indexed is still found; the first run indexes everything stored.
    """
    with session_scope(sessions) as session:
        top = session.scalar(select(func.max(ReportTextSignature.report_id))) or 0
        rows = intake.reports_missing_from(
            session, done=ReportTextSignature.report_id, after_id=top - CATCH_UP, limit=batch
        )
        index_texts(session, items=[(r.id, r.text) for r in rows], now=clock.now())
    return len(rows)


def signatures_of(session: Session, *, report_ids: Sequence[int]) -> dict[int, bytes]:
    """The stored signature of each of these reports that is indexed (``b""``: its text is too
    short to have one); a report not indexed yet is left out."""
    ids, found = list(report_ids), {}
    Sig = ReportTextSignature
    # In slices: SQLite takes at most 32,766 parameters in one statement.
    for start in range(0, len(ids), SIGNATURE_BATCH):
        part = ids[start : start + SIGNATURE_BATCH]
        stmt = select(Sig.report_id, Sig.signature).where(one_of(session, Sig.report_id, part))
        found.update({rid: sig for rid, sig in session.execute(stmt)})
    return found


def similar_reports(
    session: Session,
    *,
    report_id: int,
    min_similarity: float = 0.6,
    limit: int = 50,
    withheld: frozenset[str] = frozenset(),
) -> SimilarOut:
    """Reports whose text has an estimated Jaccard similarity of at least ``min_similarity`` with
    this report's, most similar first, with their cases. NotFound for an unknown report.

    A report in one of the ``withheld`` harm areas, or on a case in one, is listed without its
    excerpt (``cases.exposure.withheld_areas`` of the reader's role)."""
    report = intake.get_or_raise(session, report_id=report_id)
    own = session.get(ReportTextSignature, report_id)
    if own is None or not own.signature:  # not indexed yet, or too short to index
        return SimilarOut(
            report_id=report_id,
            case=case_key(report.case_id),
            indexed=False,
            min_similarity=min_similarity,
            reports=[],
            cases=[],
            capped=False,
        )
    Band = ReportTextBand
    candidates = session.scalars(
        select(Band.report_id)
        .where(one_of(session, Band.band_key, minhash.band_keys(own.signature)))
        .where(Band.report_id != report_id)
        .group_by(Band.report_id)
        .order_by(func.count().desc(), Band.report_id.desc())
        .limit(MAX_CANDIDATES + 1)
    ).all()
    capped = len(candidates) > MAX_CANDIDATES
    scored: list[tuple[float, int]] = []
    if candidates:
        for rid, sig in session.execute(
            select(ReportTextSignature.report_id, ReportTextSignature.signature).where(
                one_of(session, ReportTextSignature.report_id, list(candidates[:MAX_CANDIDATES]))
            )
        ):
            score = minhash.resemblance(own.signature, sig)
            if score >= min_similarity:
                scored.append((score, rid))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    top = dict((rid, score) for score, rid in scored[:limit])
    reports = intake.reports_by_id(session, ids=list(top))
    of_case = cases.status_and_area(session, ids=sorted({r.case_id for r in reports}))
    rows = [(r, *of_case[r.case_id]) for r in reports]
    found = [
        SimilarReport(
            report_id=r.id,
            case=case_key(r.case_id),
            case_status=status,
            subject_id=r.subject_id,
            harm_area=r.harm_area,
            received_at=r.received_at,
            similarity=round(top[r.id], 3),
            excerpt=None if hide else _excerpt(r.text),
            withheld=NOT_FOR_YOUR_ROLE if hide else None,
        )
        for r, status, case_area in rows
        for hide in [r.harm_area in withheld or case_area in withheld]
    ]
    found.sort(key=lambda s: (-top[s.report_id], -s.report_id))
    return SimilarOut(
        report_id=report_id,
        case=case_key(report.case_id),
        indexed=True,
        min_similarity=min_similarity,
        reports=found,
        cases=sorted({s.case for s in found}),
        capped=capped,
    )


def _excerpt(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1] + "…"
