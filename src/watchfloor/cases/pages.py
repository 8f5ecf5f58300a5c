"""Console routes for a case: read it, move it through its lifecycle, decide it; and search."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from watchfloor.auth import saved_views
from watchfloor.auth.permissions import Permission
from watchfloor.auth.preferences import preferences_for
from watchfloor.cases import assignment, case_view, exposure, flows, listing
from watchfloor.cases import notes as case_notes
from watchfloor.cases import service as cases
from watchfloor.cases.lifecycle import Status
from watchfloor.cases.schemas import DecisionIn, parse_case_key
from watchfloor.cases.search import Search, search
from watchfloor.deps import ClockDep, DbSession, RuntimeDep
from watchfloor.errors import Invalid
from watchfloor.incidents import service as incidents
from watchfloor.runtime import Runtime
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Visitor, page_for(Permission.CASES_READ)]
Working = Annotated[Visitor, posted_for(Permission.CASES_WORK)]
Deciding = Annotated[Visitor, posted_for(Permission.CASES_DECIDE)]
# Each lifecycle action the case page offers, as its button says it.
ACTION_LABELS = {
    "assign": "Claim",
    "start_review": "Start review",
    "request_info": "Wait for information",
    "info_received": "Information received",
    "escalate": "Escalate",
    "release": "Release to queue",
    "close": "Close",
    "reopen": "Reopen",
}


def _case_page(
    request: Request,
    db: DbSession,
    clock: ClockDep,
    runtime: Runtime,
    visitor: Visitor,
    key: str,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    form: dict[str, object] | None = None,
) -> HTMLResponse:
    view = case_view.gather(
        db,
        clock,
        key=key,
        user=visitor.user,
        taxonomy=runtime.config.taxonomy,
        replies=runtime.config.replies,
    )
    case_id = parse_case_key(view.detail.key)
    assert case_id is not None  # gather found the case by this key
    return render(
        request,
        "case.html",
        visitor,
        status=status,
        view=view,
        case=view.detail,
        action_labels=ACTION_LABELS,
        problems=problems or [],
        form=form or {},
        sees_evidence=visitor.can(Permission.EVIDENCE_READ),
        notes=case_notes.notes_of(db, case_id=case_id),
        incidents=incidents.incidents_of_case(db, case_id=case_id),
        team=_team(db, clock) if visitor.can(Permission.CASES_ASSIGN_ANY) else [],
        # Wellness: the viewer's blur and greyscale choices, and what they have seen today.
        wellness=visitor.preferences or preferences_for(db, user_id=visitor.user.id),
        my_exposure=exposure.exposure_today(db, clock, user=visitor.user)
        if visitor.can(Permission.EVIDENCE_READ)
        else None,
    )


def _team(db: DbSession, clock: ClockDep) -> list[tuple[str, str, int, int]]:
    """Who a lead can hand the case to: (username, display name, open cases held, graphic
    exposure today), least loaded first."""
    people = exposure.team_exposure(db, clock)
    held = assignment.held_by(db, usernames=[p.username for p in people])
    rows = [(p.username, p.display_name, len(held[p.username]), p.total) for p in people]
    return sorted(rows, key=lambda r: (r[2], r[3], r[0]))


@router.get("/cases/{key}")
def case_page(
    request: Request, key: str, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    return _case_page(request, db, clock, runtime, visitor, key)


@router.post("/cases/{key}/transition")
def transition(
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Working,
    action: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=2000)] = "",
    assignee: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    case = flows.move(
        db,
        clock,
        key=key,
        action=action,
        actor=visitor.user,
        can_act_for_others=visitor.can(Permission.CASES_ASSIGN_ANY),
        assignee_name=assignee.strip() or None,
        note=note.strip() or None,
        sla=runtime.config.sla,
    )
    return redirect(f"/cases/{case.key}")


@router.post("/cases/{key}/notes")
def add_note(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Working,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """An internal note on the case, from its page; an empty one comes back with the reason."""
    case = cases.get_or_raise(db, key=key)
    if not body.strip():
        return _case_page(
            request,
            db,
            clock,
            runtime,
            visitor,
            key,
            status=422,
            problems=["a note needs some text"],
        )
    case_notes.add_note(db, clock, case=case, author=visitor.user, body=body.strip())
    return redirect(f"/cases/{case.key}#notes")


@router.post("/cases/{key}/decision")
def decide(
    request: Request,
    key: str,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Deciding,
    policy_id: Annotated[str, Form(max_length=64)] = "",
    violation: Annotated[str, Form(max_length=8)] = "",
    actions: Annotated[list[str] | None, Form()] = None,
    rationale: Annotated[str, Form(max_length=20_000)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
    message_for: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The decision form: policy, violation or not, actions, rationale, and an optional message
    that rides with the action its template is for. Problems come back on the form (422)."""
    form: dict[str, object] = {
        "policy_id": policy_id,
        "violation": violation,
        "actions": actions or [],
        "rationale": rationale,
        "message": message.strip(),
        "message_for": message_for,
    }
    ordered: list[dict[str, object]] = [{"kind": kind} for kind in actions or []]
    problems: list[str] = []
    if message.strip():
        target = next((a for a in ordered if a["kind"] == message_for), None)
        if target is None:
            problems.append(
                f"the message goes with the action '{message_for or 'notify_reporter'}': "
                "tick that action, or clear the message"
            )
        else:
            target["params"] = {"message": message.strip()}
    decision = None
    try:
        decision = DecisionIn.model_validate(
            {
                "policy_id": policy_id,
                "violation": {"yes": True, "no": False}.get(violation),
                "rationale": rationale,
                "actions": ordered,
            }
        )
    except ValidationError as exc:
        problems += [_problem(dict(e)) for e in exc.errors()]
    if decision is not None and not problems:
        try:
            case = flows.decide(
                db,
                clock,
                key=key,
                decision=decision,
                actor=visitor.user,
                can_act_for_others=visitor.can(Permission.CASES_ASSIGN_ANY),
                taxonomy=runtime.config.taxonomy,
            )
            return redirect(f"/cases/{case.key}#decisions")
        except Invalid as exc:
            problems = [str(f.get("msg")) for f in exc.fields] or [exc.message]
    db.rollback()
    return _case_page(
        request, db, clock, runtime, visitor, key, status=422, problems=problems, form=form
    )


def _problem(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


@router.get("/search")
def search_page(
    request: Request, db: DbSession, clock: ClockDep, runtime: RuntimeDep, visitor: Reader
) -> HTMLResponse:
    """Cases by key, subject identifier or report words, and the list filters (harm area,
    status, priority...), a page at a time; a bad value: 422 naming it."""
    params = request.query_params
    withheld = exposure.withheld_areas(runtime.config.taxonomy, role=visitor.user.role)
    wanted, problems = listing.parse(
        params,
        harm_areas=set(runtime.config.taxonomy.area_ids),
        statuses=[s.value for s in Status],
        default_sort="newest",
        extra=("q", "opened_from", "opened_until"),
    )
    q = params.get("q", "")
    if len(q) > 300:
        problems.append("q: at most 300 characters")
    query = Search(text=q[:300], withheld=withheld)
    for name in ("opened_from", "opened_until"):
        value = params.get(name, "")
        if value:
            try:
                day = datetime.fromisoformat(value[:10]).replace(tzinfo=clock.now().tzinfo)
            except ValueError:
                problems.append(f"{name}: {value[:40]!r} is not a date (YYYY-MM-DD)")
                continue
            if name == "opened_from":
                query.opened_from = day
            else:
                query.opened_until = day + timedelta(days=1)  # the whole last day
    asked = not query.empty or wanted.narrowed
    now = clock.now()
    page = None
    if asked and not problems:
        page = search(db, query, wanted, now=now, assignee_id=listing.assignee_id_of(db, wanted))
    found = page.cases if page else []
    names = flows.usernames(db, {c.assignee_id for c in found})
    return render(
        request,
        "search.html",
        visitor,
        status=422 if problems else 200,
        query=wanted,
        asked=asked,
        problems=problems,
        page=page,
        here="/search",
        text_search=True,
        choices=listing.choices(runtime.config.taxonomy, [s.value for s in Status]),
        view_page="search",
        views=saved_views.list_views(db, user_id=visitor.user.id, page="search"),
        results=[
            flows.case_out(c, names.get(c.assignee_id or 0), now=now, withheld=withheld)
            for c in found
        ],
    )
