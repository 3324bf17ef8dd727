"""Dataset versions: create and list a project's snapshots, export one, diff two."""

from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SessionFactoryDep, UserDep
from labelwise.api.exports import EXPORT_FILE, FORMAT_HELP, file_response
from labelwise.api.schemas import Timestamp
from labelwise.core.dataio import snapshots
from labelwise.core.dataio.exporting import export_options, write_export
from labelwise.formats import exporters

router = APIRouter(tags=["snapshots"])


class SnapshotIn(BaseModel):
    name: str
    source: str = Field("consensus", description="consensus (or adjudicated), first, or all annotations")


class SnapshotOut(BaseModel):
    id: int
    project_id: int
    name: str
    source: str
    content_hash: str = Field(description="SHA-256 over the canonical item records in task-id order.")
    item_count: int
    labeled_count: int
    created_by: int | None
    author: str | None
    created_at: Timestamp


class DiffOut(BaseModel):
    a: int
    b: int
    counts: dict[str, int]
    added: list[int]
    removed: list[int]
    relabeled: list[int]
    next: dict[str, int | None] = Field(description="Per list, the `after` that gives its next page (null: last).")


@router.post("/projects/{project_id}/snapshots", response_model=SnapshotOut, status_code=201, responses=errors(409))
def create_snapshot(project_id: int, body: SnapshotIn, user: UserDep, session: SessionDep):
    """Freeze the project's tasks and final labels as an immutable, content-hashed version."""
    return snapshots.create_snapshot(session, user, project_id, name=body.name, source=body.source).__dict__


@router.get("/projects/{project_id}/snapshots", response_model=list[SnapshotOut])
def list_snapshots(project_id: int, user: UserDep, session: SessionDep):
    return [view.__dict__ for view in snapshots.list_snapshots(session, user, project_id)]


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotOut)
def get_snapshot(snapshot_id: int, user: UserDep, session: SessionDep):
    return snapshots.get_snapshot(session, user, snapshot_id).__dict__


@router.get("/snapshots/{snapshot_id}/export", response_class=Response, responses=EXPORT_FILE)
async def export_snapshot(
    snapshot_id: int,
    request: Request,
    user: UserDep,
    session: SessionDep,
    factory: SessionFactoryDep,
    format: Annotated[str, Query(description=FORMAT_HELP)] = "jsonl",
    split: Annotated[str | None, Query(description="'true' or train,validation,test ratios (80,10,10).")] = None,
    split_seed: str = "",
):
    """The snapshot in any export format; the same request always gives the same bytes."""
    exporter = exporters.get(format)
    ratios = export_options(split=split).split
    snapshot, schema = await run_in_threadpool(snapshots.snapshot_schema, session, user, snapshot_id)
    source = snapshots.export_source(snapshot)

    def write(fp: IO[bytes]) -> None:
        with factory() as export_session:
            def records_for(part: str | None):
                for record in snapshots.iter_snapshot_records(export_session, snapshot, schema, split=ratios,
                                                              split_seed=split_seed):
                    if part is None or record.get("split") == part:
                        yield record
            write_export(exporter.name, records_for, fp, schema=schema, source=source, split=bool(ratios),
                         storage=request.app.state.storage)

    name = exporters.file_name(f"snapshot-{snapshot.id}", format, split=bool(ratios))
    return await file_response(write, exporters.media_type(format, split=bool(ratios)), name)


@router.get("/snapshots/{a}/diff/{b}", response_model=DiffOut)
def diff_snapshots(
    a: int,
    b: int,
    user: UserDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=snapshots.MAX_DIFF_PAGE)] = 100,
    after: Annotated[int, Query(ge=0, description="Task id to continue after (from `next`).")] = 0,
):
    """Tasks added, removed and relabeled from snapshot a to snapshot b: counts and task ids, paginated."""
    return snapshots.diff(session, user, a, b, limit=limit, after=after).__dict__
