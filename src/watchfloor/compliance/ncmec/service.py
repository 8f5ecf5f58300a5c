"""Making a case's CyberTipline packet: gather the case through the rooms that own its data,
refuse a case with no apparent child sexual exploitation, start the 2258A(h) preservation clock,
and audit the packet by its digest. Evidence is read as metadata and hashes; its bytes are never
loaded. Services never commit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.cases import decided, facts, golden
from watchfloor.cases import service as cases
from watchfloor.cases.schemas import parse_case_key
from watchfloor.clock import Clock
from watchfloor.compliance.clocks import service as clocks
from watchfloor.compliance.clocks.legal_clocks import CLOSED_STATES
from watchfloor.compliance.clocks.obligations import ObligationsConfig
from watchfloor.compliance.clocks.readings import field_error
from watchfloor.compliance.ncmec import packet as pk
from watchfloor.compliance.ncmec.render import FORMATS, render
from watchfloor.errors import Conflict
from watchfloor.intake import service as intake
from watchfloor.triage.hashes import service as hash_lists
from watchfloor.triage.hashes.hashing import EvidenceHashes
from watchfloor.triage.taxonomy import Priority, Taxonomy

if TYPE_CHECKING:
    from watchfloor.cases.models import Case

log = logging.getLogger("watchfloor.compliance.ncmec")
PRESERVE = "us_2258a_preserve"
AUDIT_ACTION = "ncmec.packet_made"
HASH_REASONS = ("file matched hash list", "image matched hash list")


@dataclass(frozen=True)
class Made:
    packet: dict[str, Any]
    digest: str  # sha256 of the packet's canonical JSON: what the audit event names
    document: str  # the packet written out in the format asked for


def child_policies(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(
        p.id for a in taxonomy.harm_areas if a.id == pk.CHILD_SAFETY for p in a.policies
    )


def gather(session: Session, *, case: Case) -> pk.CaseData:
    """The case as the packet needs it, read through its owners' services (never evidence bytes)."""
    reports = intake.reports_of_case(session, case_id=case.id)
    evidence = intake.evidence_of(session, report_ids=[r.id for r in reports])
    items = [ev for r in reports for ev in evidence[r.id]]
    matched = hash_lists.match_hashes(
        session, [(ev.id, EvidenceHashes(ev.sha256, ev.md5)) for ev in items if ev.kind == "file"]
    )
    revealed: dict[int, list[tuple[Any, str]]] = {}
    for e in audit.trail_of_actions(session, object_id=case.key, actions=["evidence.revealed"]):
        ev_id = (e.after or {}).get("evidence_id")
        if isinstance(ev_id, int):
            revealed.setdefault(ev_id, []).append((e.occurred_at, e.actor))
    subject, identifiers = intake.subject_of(session, subject_id=case.subject_id)
    found = facts.of_ids(session, ids=[case.id])
    latest = decided.latest_of_cases(session, case_ids=[case.id]).get(case.id)
    return pk.CaseData(
        key=case.key,
        harm_area=case.harm_area,
        priority=Priority(case.priority).label,
        status=case.status,
        created_at=case.created_at,
        summary=case.summary,
        subject_kind=subject.kind,
        subject_id=subject.external_id,
        subject_name=subject.display_name,
        identifiers=tuple((i.kind, i.value) for i in identifiers),
        reports=tuple(
            pk.ReportFact(
                id=r.id,
                source=r.source,
                external_id=r.external_id,
                received_at=r.received_at,
                reported_at=r.reported_at,
                reporter_kind=r.reporter_kind,
                reporter_id=r.reporter_id,
                text=r.text,
                category=r.category_hint,
                hash_reasons=tuple(x for x in r.triage_reasons if x.startswith(HASH_REASONS)),
                metadata=dict(r.extra.get("metadata") or {}),
            )
            for r in reports
        ),
        files=tuple(
            pk.FileFact(
                evidence_id=ev.id,
                report_id=ev.report_id,
                kind=ev.kind,
                filename=ev.filename,
                media_type=ev.media_type,
                size=ev.size,
                sha256=ev.sha256,
                md5=ev.md5,
                sensitivity=ev.sensitivity,
                matches=tuple(m.reason for m in matched.get(ev.id, [])),
                revealed=tuple(revealed.get(ev.id, [])),
            )
            for ev in items
        ),
        decisions=tuple(
            pk.DecisionFact(
                d.at, d.policy_id, d.violation, tuple(k for at, k in found[0].actions if at == d.at)
            )
            for d in (found[0].decisions if found else ())
        ),
        latest_rationale=latest.rationale if latest else None,
        decided_by=latest.decided_by if latest else None,
        timeline=tuple(_timeline(session, case.key)),
    )


def _timeline(session: Session, key: str) -> list[tuple[Any, str, str]]:
    """The case's audited events, by name only: their payloads can quote the reports."""
    out = []
    for e in audit.trail_of(session, object_id=key):
        what = e.action
        after = e.after or {}
        if e.action.startswith("obligation.") and isinstance(after.get("obligation"), str):
            what = f"{what} ({after['obligation']})"
        out.append((e.occurred_at, e.actor, what))
    return out


def _preserve(
    session: Session, clock: Clock, obligations: ObligationsConfig, *, case_id: int, actor: str
) -> dict[str, Any]:
    """Start the one-year preservation clock; one already running is kept, not doubled."""
    try:
        clocks.start(
            session, clock, obligations, case_id=case_id, obligation_id=PRESERVE, actor=actor
        )
        note = "started by this packet"
    except Conflict:
        note = "already running"
    running = [
        c
        for c in clocks.for_case(session, obligations, clock.now(), case_id=case_id)
        if c.row.obligation_id == PRESERVE and c.reading.state not in CLOSED_STATES
    ]
    row = running[0].row if running else None
    return {
        "obligation": PRESERVE,
        "note": note,
        "obligation_row": row.id if row else None,
        "started_at": row.started_at.isoformat() if row else None,
        "due_at": row.due_at.isoformat() if row and row.due_at else None,
    }


def make(
    session: Session,
    clock: Clock,
    *,
    key: str,
    taxonomy: Taxonomy,
    obligations: ObligationsConfig,
    actor: str,
    fmt: str = "json",
) -> Made:
    """The CyberTipline packet of case ``key``, with the preservation clock started and the packet
    audited by its digest. 422 for a malformed key or format, 404 for an unknown case, 409 for a
    golden copy or a case with no apparent child sexual exploitation (nothing is written)."""
    if fmt not in FORMATS:
        raise field_error("format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    case_id = parse_case_key(key.strip())
    if case_id is None:
        raise field_error(
            "key", f"{key!r} is not a case key; case keys look like CASE-000123", "path"
        )
    case = cases.get_or_raise(session, key=key.strip())
    if golden.is_copy(case):
        raise Conflict(f"{case.key} is a golden copy (a quality test), not an incident: no packet")
    data = gather(session, case=case)
    reasons = pk.reasons_to_report(data, child_policies=child_policies(taxonomy))
    if not reasons:
        raise Conflict(
            f"{case.key} shows no apparent child sexual exploitation (harm area "
            f"{case.harm_area}, no child-safety violation decided, no {pk.REPORT_ACTION} "
            "action): a CyberTipline packet is only for such cases"
        )
    preservation = _preserve(session, clock, obligations, case_id=case.id, actor=actor)
    now = clock.now()
    made = pk.build(
        data, generated_at=now, generated_by=actor, reasons=reasons, preservation=preservation
    )
    digest = pk.digest(made)
    audit.record(
        session,
        at=now,
        actor=actor,
        action=AUDIT_ACTION,
        object_type="case",
        object_id=case.key,
        after=_audited(made, digest=digest, fmt=fmt),
    )
    log.info("cybertip packet made", extra={"case": case.key, "sha256": digest})
    return Made(made, digest, render(made, fmt=fmt, digest=digest))


def _audited(made: Mapping[str, Any], *, digest: str, fmt: str) -> dict[str, Any]:
    """What the audit log keeps of a packet: its digest and counts, never its contents."""
    return {
        "sha256": digest,
        "format": fmt,
        "files": len(made["files"]),
        "reports": len(made["reported_to_us_by"]),
        "preservation": made["preservation"]["note"],
        "obligation_row": made["preservation"]["obligation_row"],
        "still_to_add": len(made["checklist"]),
    }
