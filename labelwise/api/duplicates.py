"""Duplicates: scan a project for exact and near-duplicate clusters, and list them."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwise.api.deps import SessionDep, SessionFactoryDep, UserDep
from labelwise.core.duplicates import duplicate_clusters, duplicates
from labelwise.core.platform.access import Role, authorize

router = APIRouter(tags=["duplicates"])


class ScanIn(BaseModel):
    text_threshold: float = Field(0.8, ge=0.5, le=1.0, description="Least shingle Jaccard of near-duplicate texts.")
    image_distance: int = Field(8, ge=0, le=32, description="Most differing pHash bits of near-duplicate images.")


class ClusterOut(BaseModel):
    id: int
    kind: Literal["exact", "near_text", "near_image"]
    similarity: float
    task_ids: list[int]


class ClustersOut(BaseModel):
    clusters: list[ClusterOut]
    total: int = Field(description="Clusters matching the filter, before paging.")
    tasks: int = Field(0, description="Tasks in the project at the last scan.")
    seconds: float = Field(0.0, description="How long the last scan took.")
    text_threshold: float | None = Field(None, description="The last scan's text threshold (null: never scanned).")
    image_distance: int | None = None


@router.post("/projects/{project_id}/duplicates/scan", response_model=ClustersOut)
async def scan_duplicates(project_id: int, request: Request, user: UserDep, session: SessionDep,
                          factory: SessionFactoryDep, body: ScanIn | None = None):
    """Find the project's duplicate clusters now (exact, near text, near images), store them in place of the
    last scan's, and return the first page."""
    await run_in_threadpool(authorize, session, user, project_id, Role.MANAGER)
    options = duplicates.ScanOptions(**(body or ScanIn()).model_dump())

    def run() -> duplicate_clusters.ClusterPage:
        with factory() as scan_session:
            duplicates.scan(scan_session, user, project_id, options=options, storage=request.app.state.storage)
            return duplicate_clusters.list_clusters(scan_session, user, project_id, limit=100)

    return _out(await run_in_threadpool(run))


@router.get("/projects/{project_id}/duplicates", response_model=ClustersOut)
def list_duplicates(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    kind: Literal["exact", "near_text", "near_image"] | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """The stored clusters: the last scan's, plus what flagging imports added since."""
    return _out(duplicate_clusters.list_clusters(session, user, project_id, kind=kind, offset=offset, limit=limit))


def _out(page: duplicate_clusters.ClusterPage) -> ClustersOut:
    return ClustersOut(clusters=[ClusterOut(**c.__dict__) for c in page.clusters], total=page.total,
                       **{k: v for k, v in page.scan.items() if k in ClustersOut.model_fields and k != "clusters"})
