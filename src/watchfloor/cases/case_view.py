"""Everything the console's case page shows, gathered in one place (the route stays thin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import exposure, flows, golden, holds
from watchfloor.cases import service as cases
from watchfloor.cases.models import Case, Decision, LegalHold
from watchfloor.cases.replies import ReplyConfig
from watchfloor.cases.schemas import CaseDetail, parse_case_key
from watchfloor.clock import Clock
from watchfloor.db import one_of
from watchfloor.intake import service as intake
from watchfloor.triage.linking import service as linking
from watchfloor.triage.linking import similar
from watchfloor.triage.linking.schemas import RelatedOut
from watchfloor.triage.taxonomy import Policy, Taxonomy

if TYPE_CHECKING:
    from watchfloor.audit.models import AuditEvent

HISTORY = 20
PRECEDENTS = 10


@dataclass
class Precedent:
    """A past case like this one and how it was decided (None: not decided yet)."""

    key: str
    status: str
    harm_area: str
    similarity: float
    excerpt: str | None  # None: withheld from this reader (graphic harm area)
    decision: Decision | None


@dataclass
class ReporterRecord:
    """A reporter's track record: how many reports they filed, and how the decided ones went."""

    kind: str
    id: str | None
    reports: int = 0
    upheld: int = 0  # their report's case was decided a violation
    not_upheld: int = 0


@dataclass
class Reply:
    id: str
    title: str
    for_action: str
    text: str


@dataclass
class CaseView:
    detail: CaseDetail
    policy: Policy | None
    policies: list[tuple[str, list[Policy]]]  # (harm area title, its policies), this case's first
    history: list[tuple[Case, Decision | None]]  # the subject's other cases
    related: RelatedOut | None
    precedents: list[Precedent]
    audit: Sequence[AuditEvent]
    hidden: dict[int, bool]  # evidence id → starts hidden (blurred or collapsed)
    revealed: set[int]
    holds: Sequence[LegalHold] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    graphic_area: bool = False
    reporters: list[ReporterRecord] = field(default_factory=list)
    may_mark_golden: bool = False  # a lead, on a decided case that is not a golden copy


def gather(
    session: Session,
    clock: Clock,
    *,
    key: str,
    user: User,
    taxonomy: Taxonomy,
    replies: ReplyConfig,
) -> CaseView:
    case = cases.get_or_raise(session, key=key)
    # The same reading as the API's: what it withholds, the page never has to render.
    detail = flows.case_detail_for(session, clock, case=case, user=user, taxonomy=taxonomy)
    graphic_area = exposure.graphic_area(taxonomy, case.harm_area)
    items = [ev for r in detail.reports for ev in r.evidence]
    stored = intake.evidence_by_id(session, ids=[i.id for i in items])
    suggested = taxonomy.policy(case.suggested_policy) if case.suggested_policy else None
    policy = suggested[1] if suggested else None
    return CaseView(
        detail=detail,
        policy=policy,
        policies=_policies(taxonomy, first=case.harm_area),
        history=_history(session, case),
        related=linking.related_subjects(session, subject_id=case.subject_id, depth=1, limit=20),
        precedents=_precedents(
            session,
            case,
            [r.id for r in detail.reports],
            withheld=exposure.withheld_areas(taxonomy, role=user.role),
        ),
        audit=audit.trail_of(session, object_id=case.key),
        hidden={i: exposure.starts_hidden(e, graphic_area=graphic_area) for i, e in stored.items()},
        revealed=exposure.revealed_today(session, clock, user=user, evidence_ids=list(stored)),
        holds=holds.of_case(session, case_id=case.id)
        if can(user.role, Permission.LEGAL_HOLDS)
        else [],
        replies=_replies(replies, case, policy, detail),
        graphic_area=graphic_area,
        reporters=_reporters(session, [(r.reporter.kind, r.reporter.id) for r in detail.reports]),
        may_mark_golden=can(user.role, Permission.QUALITY_MANAGE)
        and not golden.is_copy(case)
        and bool(detail.decisions),
    )


def _reporters(session: Session, who: list[tuple[str, str | None]]) -> list[ReporterRecord]:
    """Each distinct identified reporter's record (anonymous reporters have none to show): how
    many reports they sent, and how many of those went to a case whose latest decision upheld
    or did not uphold them. Two queries, however many reporters."""
    distinct = list(dict.fromkeys(who))
    known = [(kind, rid) for kind, rid in distinct if rid is not None]
    per_case = intake.reports_by_case_from(session, reporters=known)
    latest = _latest_decisions(session, sorted({c for cases in per_case.values() for c in cases}))
    records: list[ReporterRecord] = []
    for kind, reporter_id in distinct:
        record = ReporterRecord(kind, reporter_id)
        records.append(record)
        if reporter_id is None:
            continue
        for case_id, n in per_case[(kind, reporter_id)].items():
            record.reports += n
            decided = latest.get(case_id)
            if decided is not None and decided.violation is True:
                record.upheld += n
            elif decided is not None and decided.violation is False:
                record.not_upheld += n
    return records


def _policies(taxonomy: Taxonomy, *, first: str) -> list[tuple[str, list[Policy]]]:
    areas = sorted(taxonomy.harm_areas, key=lambda a: (a.id != first, a.title))
    return [(a.title, list(a.policies)) for a in areas]


def _latest_decisions(session: Session, case_ids: list[int]) -> dict[int, Decision]:
    latest: dict[int, Decision] = {}
    if case_ids:
        for d in session.scalars(
            select(Decision)
            .where(one_of(session, Decision.case_id, case_ids))
            .order_by(Decision.id)
        ):
            latest[d.case_id] = d
    return latest


def _history(session: Session, case: Case) -> list[tuple[Case, Decision | None]]:
    found = cases.list_cases(
        session, where=cases.CaseFilter(subject_id=case.subject_id), limit=HISTORY + 1
    )
    # Golden copies are no history, and a copy's original would give its answer away.
    hidden = golden.unlisted(session, case=case, ids=[c.id for c in found])
    others = [c for c in found if c.id != case.id and c.id not in hidden][:HISTORY]
    decided = _latest_decisions(session, [c.id for c in others])
    return [(c, decided.get(c.id)) for c in others]


def case_id_of(key: str) -> int:
    """The id behind a key the system itself produced (so always a valid one)."""
    case_id = parse_case_key(key)
    assert case_id is not None, key
    return case_id


def _precedents(
    session: Session, case: Case, report_ids: list[int], *, withheld: frozenset[str]
) -> list[Precedent]:
    """Past cases whose reports nearly repeat this case's (MinHash), with their decisions."""
    best: dict[str, Precedent] = {}
    for report_id in report_ids[:3]:
        found = similar.similar_reports(
            session, report_id=report_id, min_similarity=0.5, limit=20, withheld=withheld
        )
        for r in found.reports:
            if r.case == case.key or r.case in best:
                continue
            best[r.case] = Precedent(
                r.case, r.case_status, r.harm_area, r.similarity, r.excerpt, None
            )
    hidden = golden.unlisted(session, case=case, ids=[case_id_of(k) for k in best])
    ranked = sorted(
        (p for p in best.values() if case_id_of(p.key) not in hidden), key=lambda p: -p.similarity
    )[:PRECEDENTS]
    decided = _latest_decisions(session, [case_id_of(p.key) for p in ranked])
    for p in ranked:
        p.decision = decided.get(case_id_of(p.key))
    return ranked


def _replies(
    config: ReplyConfig, case: Case, policy: Policy | None, detail: CaseDetail
) -> list[Reply]:
    values = {
        "case_key": case.key,
        "harm_area": case.harm_area,
        "policy_id": policy.id if policy else "",
        "policy_title": policy.title if policy else "our rules",
        "subject": detail.subject.display_name or detail.subject.external_id,
        "violation": True,
    }
    return [Reply(t.id, t.title, t.for_action, t.render(**values)) for t in config.templates]
