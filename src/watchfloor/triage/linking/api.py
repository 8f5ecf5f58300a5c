"""Linking routes: a subject, the subjects it shares identifiers with, and near-duplicate reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from watchfloor.auth.models import User
from watchfloor.auth.permissions import Permission
from watchfloor.cases import exposure
from watchfloor.deps import DbSession, IdPath, RuntimeDep, require
from watchfloor.http_errors import responses
from watchfloor.triage.linking import service as linking
from watchfloor.triage.linking import similar
from watchfloor.triage.linking.schemas import RelatedOut, SimilarOut, SubjectOut

router = APIRouter(prefix="/api/v1", tags=["linking"])
CaseReader = Annotated[User, Depends(require(Permission.CASES_READ))]
ReportReader = Annotated[User, Depends(require(Permission.REPORTS_READ))]


@router.get(
    "/subjects/{subject_id}", response_model=SubjectOut, responses=responses(401, 403, 404, 422)
)
def get_subject(subject_id: IdPath, db: DbSession, user: CaseReader) -> SubjectOut:
    """A subject and its identifiers, as stored (canonical form, an e-mail's domain added)."""
    return linking.get_subject(db, subject_id=subject_id)


@router.get(
    "/subjects/{subject_id}/related",
    response_model=RelatedOut,
    responses=responses(401, 403, 404, 422),
)
def related(
    subject_id: IdPath,
    db: DbSession,
    user: CaseReader,
    depth: Annotated[
        int, Query(ge=1, le=linking.MAX_DEPTH, description="How many shared identifiers away.")
    ] = 2,
    limit: Annotated[
        int, Query(ge=1, le=linking.MAX_SUBJECTS, description="At most this many subjects.")
    ] = 100,
) -> RelatedOut:
    """The subjects that share identifiers with this one (a fraud ring, a bot network), how they
    connect, and the open cases of them all. Free-mail domains and identifiers that very many
    subjects hold are not followed, and are listed as such."""
    return linking.related_subjects(db, subject_id=subject_id, depth=depth, limit=limit)


@router.get(
    "/reports/{report_id}/similar",
    response_model=SimilarOut,
    responses=responses(401, 403, 404, 422),
)
def similar_reports(
    report_id: IdPath,
    db: DbSession,
    runtime: RuntimeDep,
    user: ReportReader,
    min_similarity: Annotated[
        float,
        Query(
            ge=0.3,
            le=1.0,
            description="Least estimated Jaccard similarity to include; the index is tuned to "
            "find nearly all pairs from 0.5 up, and misses some below.",
        ),
    ] = 0.6,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SimilarOut:
    """Reports whose text nearly repeats this one's (the same template with small edits): one
    campaign, possibly spread over many subjects and cases. Roles that may not see evidence get
    no excerpt of graphic-area reports (`excerpt` null, `withheld` says why)."""
    return similar.similar_reports(
        db,
        report_id=report_id,
        min_similarity=min_similarity,
        limit=limit,
        withheld=exposure.withheld_areas(runtime.config.taxonomy, role=user.role),
    )
