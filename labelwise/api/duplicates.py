"""Duplicates: scan a project for exact and near-duplicate clusters (a background job), and list them."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.core.duplicates import duplicate_clusters, duplicates, scan_job
from labelwise.core.platform import jobs
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


@router.post("/projects/{project_id}/duplicates/scan", response_model=JobOut, status_code=202)
def scan_duplicates(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
                    body: ScanIn | None = None):
    """Queue a `duplicates.scan` job (managers): find the project's duplicate clusters (exact, near text, near
    images) with progress and cancel, and store them in place of the last scan's. Follow it at
    `/jobs/{id}`; `GET .../duplicates` lists the clusters once it has succeeded."""
    authorize(session, user, project_id, Role.MANAGER)
    job = scan_job.queue_scan(session, user, project_id, options=duplicates.ScanOptions(**(body or ScanIn()).model_dump()))
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))


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
