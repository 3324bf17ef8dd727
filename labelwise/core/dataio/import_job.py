"""The `import` job kind: an uploaded file, kept in media storage until the job is done, imported in the
background with byte progress.

The upload lives in storage (not a temporary file of the receiving process) so that a `labelwise worker`
on another machine can read it, and a failed import can be retried. It is deleted once the import
succeeds or is cancelled; a failed job keeps it for its retry.
"""

import tempfile
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.dataio.import_files import import_file
from labelwise.core.platform import jobs
from labelwise.core.platform.job_runner import Cancelled, JobContext
from labelwise.errors import LabelwiseError
from labelwise.storage.base import make_key
from labelwise.store.models import Job, User

UPLOAD_EXT = "upload"


def store_upload(storage: Any, project_id: int, path: str, digest: str) -> str:
    """Put the received file into storage; its key goes into the job's parameters."""
    key = make_key(project_id, digest, UPLOAD_EXT)
    storage.put_file(key, path, content_type="application/octet-stream")
    return key


def queue_import(session: Session, user: User, project_id: int, *, upload: str, size: int, fmt: str,
                 options: dict[str, Any]) -> Job:
    return jobs.enqueue(session, user, project_id, kind=jobs.KIND_IMPORT, total=size,
                        params={"upload": upload, "format": fmt, "options": options})


def run_import(ctx: JobContext) -> dict[str, Any]:
    if ctx.user is None:
        raise LabelwiseError("the user who queued this import no longer exists")
    key = ctx.params["upload"]
    if not ctx.storage.exists(key):
        raise LabelwiseError("the uploaded file of this import is gone; upload it again")
    try:
        local = ctx.storage.local_path(key)
        if local is not None:
            with open(local, "rb") as fp:
                summary = _import(ctx, fp)
        else:
            with tempfile.TemporaryFile() as spool:
                for chunk in ctx.storage.stream(key):
                    spool.write(chunk)
                spool.seek(0)
                summary = _import(ctx, spool)
    except Cancelled:
        _drop_upload(ctx, key)
        raise
    _drop_upload(ctx, key)
    return summary


def _import(ctx: JobContext, fp) -> dict[str, Any]:
    tracked = jobs.TrackedReader(fp)
    summary = import_file(ctx.session, ctx.user, ctx.project_id, tracked, ctx.params["format"],
                          on_batch=lambda rows: ctx.progress(tracked.position, rows=rows), **ctx.params["options"])
    ctx.progress(tracked.position, rows=summary.imported)
    return dict(summary.__dict__)


def _drop_upload(ctx: JobContext, key: str) -> None:
    with ctx.session_factory() as session:
        others = session.scalar(select(Job.id).where(Job.id != ctx.job_id, Job.kind == jobs.KIND_IMPORT,
                                                     Job.status.notin_(("succeeded", "cancelled")),
                                                     Job.params["upload"].as_string() == key).limit(1))
    if others is None:
        ctx.storage.delete(key)


