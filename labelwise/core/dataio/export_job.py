"""The `export` job kind: a project export written in the background, kept in media storage for download.

The job writes the file to a temporary file with progress (task records written; a split export makes
one pass per part), then puts it into storage under a key derived from its SHA-256, so a `labelwise
worker` on another machine can write it and the serving process can stream it. The file name, media
type, size and key go into the job's result; `GET /jobs/{id}/file` downloads it.
"""

import hashlib
import os
import tempfile
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.dataio.exporting import authorize_export, export_options, records_for, write_export
from labelwise.core.platform import jobs
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Conflict, Invalid, LabelwiseError, NotFound
from labelwise.formats import exporters
from labelwise.storage.base import make_key
from labelwise.store.models import Job, Task, User

KIND_EXPORT = "export"
FILE_EXT = "export"
OPTION_NAMES = ("source", "status", "accepted_only", "since", "until", "annotator", "label", "split", "split_seed",
                "include_predictions", "include_skipped", "only_labeled", "schema_version", "guidelines_version",
                "include_auto_labels")


def queue_export(session: Session, user: User, project_id: int, *, fmt: str, options: dict[str, Any]) -> Job:
    """Queue an export (managers); the format and every option are checked now, with a 422 naming the field."""
    exporters.get(fmt)
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise Invalid(f"unknown export option '{unknown[0]}'", field=unknown[0])
    checked = export_options(**options)
    authorize_export(session, user, project_id, checked)
    return jobs.enqueue(session, user, project_id, kind=KIND_EXPORT, params={"format": fmt, "options": options})


def run_export(ctx: JobContext) -> dict[str, Any]:
    if ctx.user is None:
        raise LabelwiseError("the user who queued this export no longer exists")
    fmt = ctx.params["format"]
    options = export_options(**ctx.params.get("options", {}))
    project = authorize_export(ctx.session, ctx.user, ctx.project_id, options)
    schema = project_schema(project)
    total = ctx.session.scalar(select(func.count()).select_from(Task).where(Task.project_id == ctx.project_id)) or 0
    split = bool(options.split)
    passes = records_for(ctx.session, ctx.project_id, options)
    written = 0

    def counted(part: str | None):
        nonlocal written
        for record in passes(part):
            written += 1
            if written % 200 == 0:
                ctx.progress(min(written, total), total=total, rows=written)
            yield record

    ctx.progress(0, total=total)
    fd, path = tempfile.mkstemp(prefix="labelwise-export-")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as fp:
            write_export(fmt, counted, fp, schema=schema, source=options.source, split=split, storage=ctx.storage)
        with open(path, "rb") as fp:
            while chunk := fp.read(1 << 20):
                digest.update(chunk)
        ctx.check_cancelled()
        key = make_key(ctx.project_id, digest.hexdigest(), FILE_EXT)
        size = os.path.getsize(path)
        ctx.storage.put_file(key, path, content_type=exporters.media_type(fmt, split=split))
    finally:
        os.unlink(path)
    ctx.progress(total, total=total, rows=written)
    return {"file": key, "filename": exporters.file_name(f"project-{ctx.project_id}", fmt, split=split),
            "media_type": exporters.media_type(fmt, split=split), "size": size, "records": written, "format": fmt}


def export_file(session: Session, user: User, job_id: int, *, progress_dir) -> dict[str, Any]:
    """The stored file of a succeeded export job (managers of its project): its key, name, type and size."""
    view = jobs.get_job(session, user, job_id, progress_dir=progress_dir)
    if view.kind != KIND_EXPORT:
        raise NotFound(f"job {job_id} is a {view.kind} job, not an export; it has no file")
    if view.status != "succeeded":
        raise Conflict(f"export job {job_id} is {view.status}; its file exists once it has succeeded")
    return dict(view.result or {})
