"""Case routes: list, read, move through the lifecycle, decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth import service as users
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission, can
from watchfloor.cases import assist, exposure, flows
from watchfloor.cases import notes as case_notes
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import Status
from watchfloor.cases.schemas import (
    AssistOut,
    CaseDetail,
    CaseOut,
    CasePage,
    DecisionIn,
    NoteIn,
    NoteOut,
    RevealOut,
    TransitionIn,
)
from watchfloor.deps import BeforeId, ClockDep, DbSession, IdPath, RuntimeDep, require
from watchfloor.errors import Invalid
from watchfloor.http_errors import responses
from watchfloor.intake.schemas import EvidenceOut
from watchfloor.triage.taxonomy import Priority

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Reader = Annotated[User, Depends(require(Permission.CASES_READ))]
Worker = Annotated[User, Depends(require(Permission.CASES_WORK))]
Decider = Annotated[User, Depends(require(Permission.CASES_DECIDE))]
EvidenceReader = Annotated[User, Depends(require(Permission.EVIDENCE_READ))]
PriorityQuery = Annotated[str | None, Query(pattern=r"^[Pp][0-3]$", description="P0…P3")]


@router.get("", response_model=CasePage, responses=responses(401, 403, 422))
def list_cases(
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: Reader,
    status: Annotated[list[Status] | None, Query()] = None,
    harm_area: Annotated[str | None, Query(max_length=64)] = None,
    priority: PriorityQuery = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=64, description="a username, or 'me'")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: BeforeId = None,
) -> CasePage:
    """Cases, newest first."""
    assignee_id = None
    if assignee is not None:
        found = user if assignee == "me" else users.get_by_username(db, username=assignee)
        if found is None:
            raise Invalid(
                f"no user named {assignee!r}",
                fields=[{"loc": ["query", "assignee"], "msg": f"no user named {assignee!r}"}],
            )
        assignee_id = found.id
    rows = cases.list_cases(
        db,
        where=cases.CaseFilter(
            status=[s.value for s in status] if status else None,
            harm_area=harm_area,
            priority=int(Priority.parse(priority)) if priority else None,
            queue=queue,
            assignee_id=assignee_id,
        ),
        limit=limit,
        before_id=before,
    )
    names = flows.usernames(db, {c.assignee_id for c in rows})
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=user.role)
    return CasePage(
        cases=[
            flows.case_out(c, names.get(c.assignee_id or 0), now=clock.now(), withheld=withheld)
            for c in rows
        ],
        next_before=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/{key}", response_model=CaseDetail, responses=responses(401, 403, 404))
def get_case(
    key: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Reader
) -> CaseDetail:
    """One case with its subject, reports, decisions, the delivery of each action, its SLA clocks.

    What the console hides is withheld here too, each place saying so in `withheld`: the text of
    sensitive or graphic evidence, and of all text evidence in a graphic harm area, until you
    reveal it (`POST …/evidence/{id}/reveal`); and graphic-area report text and summaries from
    roles that may not see evidence (no reveal for them)."""
    case = cases.get_or_raise(db, key=key)
    return flows.case_detail_for(db, clock, case=case, user=user, taxonomy=runtime.config.taxonomy)


@router.post(
    "/{key}/evidence/{evidence_id}/reveal",
    response_model=RevealOut,
    responses=responses(401, 403, 404, 409, 422),
)
def reveal(
    key: str,
    evidence_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    user: EvidenceReader,
) -> RevealOut:
    """Reveal one evidence item of the case to you, as the console's Reveal button does: audited
    (`evidence.revealed`) and counted toward your exposure once a day; again the same day, it is
    neither. Refused with 409 once your daily graphic budget is spent."""
    case = cases.get_or_raise(db, key=key)
    item = exposure.evidence_of_case(db, case=case, evidence_id=evidence_id)
    counted = exposure.reveal(db, clock, user=user, case=case, evidence=item)
    today = exposure.exposure_today(db, clock, user=user)
    return RevealOut(
        evidence=EvidenceOut.model_validate(item),
        counted=counted,
        hidden_by_default=exposure.starts_hidden(
            item, graphic_area=exposure.graphic_area(runtime.config.taxonomy, case.harm_area)
        ),
        exposure_today=today.total,
        budget=today.budget,
    )


@router.post(
    "/{key}/transitions", response_model=CaseOut, responses=responses(401, 403, 404, 409, 422)
)
def transition(
    key: str, body: TransitionIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Worker
) -> CaseOut:
    """Move a case through its lifecycle (assign, escalate, request_info, …).

    An action the case's status does not allow is refused with 409, naming the allowed ones.
    """
    case = flows.move(
        db,
        clock,
        key=key,
        action=body.action,
        actor=user,
        can_act_for_others=can(user.role, Permission.CASES_ASSIGN_ANY),
        assignee_name=body.assignee,
        note=body.note,
        sla=runtime.config.sla,
    )
    names = flows.usernames(db, {case.assignee_id})
    return flows.case_out(case, names.get(case.assignee_id or 0), now=clock.now())


@router.post(
    "/{key}/notes", status_code=201, response_model=NoteOut, responses=responses(401, 403, 404, 422)
)
def add_note(key: str, body: NoteIn, db: DbSession, clock: ClockDep, user: Worker) -> NoteOut:
    """Add an internal note to the case (never sent outside the team); audited, and shown on the
    case's timeline. Anyone who works cases may note any case they can read."""
    case = cases.get_or_raise(db, key=key)
    note = case_notes.add_note(db, clock, case=case, author=user, body=body.body)
    return NoteOut(id=note.id, author=user.username, body=note.body, created_at=note.created_at)


@router.get("/{key}/notes", response_model=list[NoteOut], responses=responses(401, 403, 404))
def list_notes(key: str, db: DbSession, user: Reader) -> list[NoteOut]:
    """The case's notes, oldest first."""
    case = cases.get_or_raise(db, key=key)
    return [
        NoteOut(id=n.id, author=author, body=n.body, created_at=n.created_at)
        for n, author in case_notes.notes_of(db, case_id=case.id)
    ]


@router.post(
    "/{key}/decision",
    status_code=201,
    response_model=CaseDetail,
    responses=responses(401, 403, 404, 409, 422),
)
def decide(
    key: str, body: DecisionIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Decider
) -> CaseDetail:
    """Record the decision, order its actions (delivered to webhooks by the worker), resolve."""
    case = flows.decide(
        db,
        clock,
        key=key,
        decision=body,
        actor=user,
        can_act_for_others=can(user.role, Permission.CASES_ASSIGN_ANY),
        taxonomy=runtime.config.taxonomy,
    )
    return flows.case_detail_for(db, clock, case=case, user=user, taxonomy=runtime.config.taxonomy)


@router.post("/{key}/assist", response_model=AssistOut, responses=responses(401, 403, 404))
def assist_case(
    key: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: Decider
) -> AssistOut:
    """Advice on a case from the configured language model (if on), else from offline triage.

    Sends only report text, never evidence. Falls back to the offline triage, naming why, when
    the model is off, slow, unreachable or answers outside the schema or the taxonomy.
    """
    material = assist.gather(db, key=key)
    # Hold no transaction (nor pooled connection) while the model thinks, for up to the timeout.
    db.commit()
    advice = assist.advise(material, settings=runtime.settings, taxonomy=runtime.config.taxonomy)
    assist.record(db, clock, key=material.key, advice=advice, actor=user, settings=runtime.settings)
    return advice.out
