"""Duplicates: scan a project for exact and near-duplicate clusters, and list them."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwise.api.deps import SessionDep, SessionFactoryDep, UserDep
from labelwise.core import duplicates
from labelwise.core.access import Role, authorize

router = APIRouter(tags=["duplicates"])


class ScanIn(BaseModel):
    text_threshold: float = Field(0.8, ge=0.5, le=1.0, description="Least shingle Jaccard of near-duplicate texts.")
    image_distance: int = Field(8, ge=0, le=32, description="Most differing pHash bits of near-duplicate images.")


class ClusterOut(BaseModel):
    id: str
    kind: Literal["exact", "near_text", "near_image"]
    similarity: float
    task_ids: list[int]


class ClustersOut(BaseModel):
    clusters: list[ClusterOut]
    total: int = Field(description="Clusters matching the filter, before paging.")
    tasks: int = Field(description="Tasks in the project when it was scanned.")
    seconds: float = Field(description="How long the scan took.")
    text_threshold: float
    image_distance: int


@router.post("/projects/{project_id}/duplicates/scan", response_model=ClustersOut)
async def scan_duplicates(project_id: int, request: Request, user: UserDep, session: SessionDep,
                          factory: SessionFactoryDep, body: ScanIn | None = None):
    """Compute the project's duplicate clusters now (exact, near text, near images) and return the first page."""
    await run_in_threadpool(authorize, session, user, project_id, Role.MANAGER)
    options = duplicates.ScanOptions(**(body or ScanIn()).model_dump())

    def run() -> duplicates.ScanResult:
        with factory() as scan_session:
            return duplicates.scan(scan_session, user, project_id, options=options, storage=request.app.state.storage)

    result = await run_in_threadpool(run)
    _cache(request)[project_id] = result
    return _page(result, kind=None, offset=0, limit=100)


@router.get("/projects/{project_id}/duplicates", response_model=ClustersOut)
def list_duplicates(
    project_id: int,
    request: Request,
    user: UserDep,
    session: SessionDep,
    kind: Literal["exact", "near_text", "near_image"] | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """The clusters of the last scan while the project's tasks are unchanged; otherwise scanned now."""
    authorize(session, user, project_id, Role.REVIEWER)
    result = _cache(request).get(project_id)
    if result is None or result.fingerprint != duplicates.fingerprint(session, project_id):
        result = duplicates.scan(session, user, project_id, options=result.options if result else None,
                                 storage=request.app.state.storage)
        _cache(request)[project_id] = result
    return _page(result, kind=kind, offset=offset, limit=limit)


def _cache(request: Request) -> dict[int, duplicates.ScanResult]:
    # Per process, and only a cache: any process recomputes when it has no current scan.
    return request.app.state.duplicate_scans


def _page(result: duplicates.ScanResult, *, kind: str | None, offset: int, limit: int) -> ClustersOut:
    chosen = [c for c in result.clusters if kind is None or c.kind == kind]
    return ClustersOut(
        clusters=[ClusterOut(**c.__dict__) for c in chosen[offset:offset + limit]], total=len(chosen),
        tasks=result.tasks, seconds=result.seconds, text_threshold=result.options.text_threshold,
        image_distance=result.options.image_distance,
    )
