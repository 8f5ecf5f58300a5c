"""Console routes for evidence: reveal an item (audited, counted), its blurred preview, the file.

Nothing of a hidden item leaves the server before it is revealed: images are served as a
greyscale preview made here, blurred as strongly as the viewer chose; text behind a warning is
sent only in answer to a reveal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from watchfloor.auth.permissions import Permission
from watchfloor.auth.preferences import preferences_for
from watchfloor.cases import exposure, previews
from watchfloor.cases import service as cases
from watchfloor.deps import ClockDep, DbSession, IdPath, RuntimeDep
from watchfloor.errors import Forbidden, NotFound
from watchfloor.intake import service as intake
from watchfloor.intake.schemas import EvidenceOut
from watchfloor.web.console import Visitor, page_for, posted_for, redirect, render

if TYPE_CHECKING:
    from watchfloor.intake.models import Evidence

router = APIRouter(include_in_schema=False)
EvidenceReader = Annotated[Visitor, page_for(Permission.EVIDENCE_READ)]
Revealer = Annotated[Visitor, posted_for(Permission.EVIDENCE_READ)]
PRIVATE = {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"}


@router.post("/cases/{key}/evidence/{evidence_id}/reveal")
def reveal(
    request: Request,
    key: str,
    evidence_id: IdPath,
    db: DbSession,
    clock: ClockDep,
    runtime: RuntimeDep,
    visitor: Revealer,
) -> Response:
    """Reveal one item: the page's script swaps in the answer; without script, back to the case."""
    case = cases.get_or_raise(db, key=key)
    item = exposure.evidence_of_case(db, case=case, evidence_id=evidence_id)
    exposure.reveal(db, clock, user=visitor.user, case=case, evidence=item)
    if request.headers.get("x-requested-with") != "watchfloor":
        return redirect(f"/cases/{case.key}#evidence-{item.id}")
    return render(
        request,
        "_evidence.html",
        visitor,
        case_key=case.key,
        ev=EvidenceOut.model_validate(item),
        hidden=exposure.starts_hidden(
            item, graphic_area=exposure.graphic_area(runtime.config.taxonomy, case.harm_area)
        ),
        revealed=True,
        exposure=exposure.exposure_today(db, clock, user=visitor.user),
        wellness=visitor.preferences or preferences_for(db, user_id=visitor.user.id),
    )


def _item(db: DbSession, evidence_id: int) -> tuple[Evidence, bytes]:
    return intake.file_with_bytes(db, evidence_id=evidence_id)


@router.get("/evidence/{evidence_id}/preview")
def preview(
    request: Request,
    evidence_id: IdPath,
    db: DbSession,
    visitor: EvidenceReader,
    blur: Annotated[int | None, Query(ge=0, le=100)] = None,
) -> Response:
    """A greyscale, small copy of an image, blurred as strongly as the viewer chose: safe to
    show before anyone reveals it. ``blur`` in the URL only keys the browser's cache (the page
    writes the viewer's strength there, so a change shows at once); the preference decides."""
    item, content = _item(db, evidence_id)
    strength = (visitor.preferences or preferences_for(db, user_id=visitor.user.id)).blur_strength
    tag = f'"{item.sha256[:24]}-blur{strength}"'
    # Blurred past recognition, so the browser may keep it for the shift: reloads stay fast.
    # A URL naming another strength (a page drawn before a change) is checked every time.
    cache = "private, max-age=43200" if blur == strength else "private, no-cache"
    headers = {**PRIVATE, "Cache-Control": cache, "ETag": tag}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    image = previews.blurred(content, radius=strength) if exposure.is_visual(item) else None
    if image is None:
        raise NotFound(f"evidence {evidence_id} has no image preview")
    return Response(image, media_type="image/jpeg", headers=headers)


@router.get("/evidence/{evidence_id}/file")
def original(
    evidence_id: IdPath, db: DbSession, clock: ClockDep, visitor: EvidenceReader
) -> Response:
    """The file itself, only to someone who revealed it today (which was audited and counted)."""
    item, content = _item(db, evidence_id)
    if evidence_id not in exposure.revealed_today(
        db, clock, user=visitor.user, evidence_ids=[evidence_id]
    ):
        raise Forbidden("reveal this item on its case page first; revealing is recorded")
    inline = exposure.is_visual(item)
    # Whatever the reporter called the file, the header gets a plain, safe name.
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", item.filename or f"evidence-{item.id}")[:100]
    headers = {
        **PRIVATE,
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        # A file is never a page: no script in it may run on our origin.
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    media = item.media_type if inline and item.media_type else "application/octet-stream"
    return Response(content, media_type=media, headers=headers)
