"""The CyberTipline packet of a case as JSON. The logic is compliance/ncmec/service.py's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from watchfloor.auth.permissions import Permission
from watchfloor.compliance.ncmec import service
from watchfloor.deps import ClockDep, CurrentUser, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses

router = APIRouter(tags=["compliance"])
Key = Annotated[str, Path(max_length=32, description="CASE-000123")]


@router.post(
    "/api/v1/cases/{key}/ncmec-packet",
    responses=responses(401, 403, 404, 409, 422),
    dependencies=[Depends(require(Permission.NCMEC_PACKET))],
)
def ncmec_packet(
    key: Key, db: DbSession, clock: ClockDep, runtime: RuntimeDep, user: CurrentUser
) -> dict[str, Any]:
    """Make the CyberTipline packet of a case with apparent child sexual exploitation (harm area
    child_safety, a child-safety violation decided, or a report_to_ncmec action): the incident,
    the reported user and identifiers, each file's hashes and upload details, who reported it,
    the decisions, the timeline and a checklist of what the filer must still add. It never holds
    content (no evidence bytes or text, no data: URLs, no report text whose evidence is marked
    graphic). Making it starts the 2258A(h) preservation clock (one running is kept) and records
    the packet's sha256 in the audit log, so it is a POST. It carries the reported user's
    identifiers unredacted: the report needs them, and NCMEC_PACKET is the permission to see them. 409 for a case without apparent child sexual
    exploitation or a golden copy."""
    made = service.make(
        db,
        clock,
        key=key,
        taxonomy=runtime.config.taxonomy,
        obligations=runtime.config.obligations,
        actor=f"user:{user.username}",
    )
    return {**made.packet, "sha256": made.digest}
