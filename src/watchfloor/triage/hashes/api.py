"""Hash list routes: leads and admins manage the lists evidence is matched against; those who
work cases may read what lists exist (never their hashes, which sharing agreements protect)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.deps import ClockDep, DbSession, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.triage.hashes import service as hash_lists
from watchfloor.triage.hashes.schemas import (
    NAME_PATTERN,
    HashListDetail,
    HashListIn,
    HashListOut,
    ImportOut,
)

router = APIRouter(prefix="/api/v1/hash-lists", tags=["hash lists"])
Manager = Annotated[User, Depends(require(Permission.HASH_LISTS_MANAGE))]
Reader = Annotated[User, Depends(require(Permission.HASH_LISTS_READ))]
NamePath = Annotated[str, Path(pattern=NAME_PATTERN, description="The list's name.")]

_FILE_BODY = Body(
    media_type="text/csv",
    description=(
        "The file, sent as the raw body (Content-Type text/csv or text/plain). csv: a header "
        "'algorithm,value[,label][,reference]', then one hash a row, algorithm sha256, md5 or "
        "pdq. threatexchange: '<signal type> <signal>' lines as the threatexchange file "
        "exchange reads, or the CSV of 'threatexchange dataset -P --csv'."
    ),
)


@router.get("", response_model=list[HashListOut], responses=responses(401, 403))
def list_hash_lists(db: DbSession, _reader: Reader) -> list[HashListOut]:
    """Every hash list, by name."""
    return [HashListOut.model_validate(h) for h in hash_lists.list_all(db)]


@router.post(
    "", response_model=HashListOut, status_code=201, responses=responses(401, 403, 409, 422)
)
def create_hash_list(
    body: HashListIn, db: DbSession, clock: ClockDep, runtime: RuntimeDep, manager: Manager
) -> HashListOut:
    """Create an empty list; upload hashes to it with POST /{name}/entries."""
    created = hash_lists.create(
        db,
        clock,
        name=body.name,
        harm_area=body.harm_area,
        child_safety=body.child_safety,
        source=body.source,
        description=body.description,
        taxonomy=runtime.config.taxonomy,
        actor=f"user:{manager.username}",
    )
    return HashListOut.model_validate(created)


@router.get("/{name}", response_model=HashListDetail, responses=responses(401, 403, 404, 422))
def get_hash_list(name: NamePath, db: DbSession, _reader: Reader) -> HashListDetail:
    """One list, with how many hashes of each algorithm it holds."""
    found = hash_lists.get_or_raise(db, name=name)
    return HashListDetail(
        **HashListOut.model_validate(found).model_dump(),
        by_algorithm=hash_lists.counts_by_algorithm(db, list_id=found.id),
    )


@router.post(
    "/{name}/entries", response_model=ImportOut, responses=responses(401, 403, 404, 413, 422)
)
def import_hashes(
    name: NamePath,
    data: Annotated[bytes, _FILE_BODY],
    db: DbSession,
    clock: ClockDep,
    manager: Manager,
    fmt: Annotated[Literal["csv", "threatexchange"], Query(alias="format")] = "csv",
) -> ImportOut:
    """Add a file's hashes to a list: all of them or, when any line is bad, none (each bad line
    is named). Hashes already on the list are counted as duplicates."""
    result = hash_lists.import_file(
        db, clock, name=name, data=data, fmt=fmt, actor=f"user:{manager.username}"
    )
    return ImportOut(
        added=result.added,
        duplicates=result.duplicates,
        skipped=result.skipped,
        entry_count=result.entry_count,
    )


@router.delete("/{name}", status_code=204, responses=responses(401, 403, 404, 422))
def delete_hash_list(name: NamePath, db: DbSession, clock: ClockDep, manager: Manager) -> Response:
    """Delete a list and its hashes; evidence stops matching it at once."""
    hash_lists.delete_list(db, clock, name=name, actor=f"user:{manager.username}")
    return Response(status_code=204)
