"""The `duplicates.scan` job kind: a project's duplicate scan run by the job runner, with progress (tasks
read per pass) and cancel (a cancelled scan stores nothing and keeps the last scan's clusters)."""

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from labelwise.core.duplicates import duplicates
from labelwise.core.platform import jobs
from labelwise.core.platform.job_runner import JobContext
from labelwise.errors import LabelwiseError
from labelwise.store.models import Job, User

KIND_SCAN = "duplicates.scan"


def queue_scan(session: Session, user: User, project_id: int, *,
               options: duplicates.ScanOptions | None = None) -> Job:
    """Queue a scan (managers); bad options are refused here, when ScanOptions is built, not in the job."""
    options = options or duplicates.ScanOptions()
    return jobs.enqueue(session, user, project_id, kind=KIND_SCAN,
                        params={"text_threshold": options.text_threshold, "image_distance": options.image_distance})


def run_scan(ctx: JobContext) -> dict[str, Any]:
    if ctx.user is None:
        raise LabelwiseError("the user who queued this scan no longer exists")
    options = duplicates.ScanOptions(**{k: ctx.params[k] for k in ("text_threshold", "image_distance")
                                        if k in ctx.params})
    found = duplicates.scan(ctx.session, ctx.user, ctx.project_id, options=options, storage=ctx.storage,
                            progress=lambda done, total: ctx.progress(done, total=total))
    by_kind: dict[str, int] = {}
    for cluster in found.clusters:
        by_kind[cluster.kind] = by_kind.get(cluster.kind, 0) + 1
    return {"clusters": len(found.clusters), "by_kind": by_kind, "tasks": found.tasks, "seconds": found.seconds,
            "options": {k: v for k, v in asdict(found.options).items() if k in ("text_threshold", "image_distance")}}
