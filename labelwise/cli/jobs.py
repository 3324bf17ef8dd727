"""`labelwise jobs`: list, follow, cancel and retry background jobs."""

import json
from typing import Annotated, Optional

import typer
from rich.progress import (
    MofNCompleteColumn,
)

from labelwise.cli._app import out
from labelwise.cli._shared import (
    ActorOption,
    DatabaseOption,
    DataDirOption,
    acting_user,
    fail,
    job_json,
    open_session,
    progress_bar,
    settings_for,
)

jobs_app = typer.Typer(help="Background jobs: list, show (and follow), cancel and retry.")


@jobs_app.command("list")
def jobs_list(
    project_id: int,
    status: Annotated[Optional[str], typer.Option(help="Only jobs with this status.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List a project's jobs, newest first, as JSON lines."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        views = jobs.list_jobs(session, acting_user(session, actor), project_id, status=status,
                               progress_dir=settings.data_dir / "jobs")
    for view in views:
        print(json.dumps(job_json(view)))


@jobs_app.command("show")
def jobs_show(
    job_id: int,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Show a progress bar until the job ends.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a job as JSON; with --follow, wait for it with a progress bar (exit 1 if it fails)."""
    import time

    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        user = acting_user(session, actor)
        view = jobs.get_job(session, user, job_id, progress_dir=settings.data_dir / "jobs")
        if follow:
            with progress_bar(MofNCompleteColumn()) as bar:
                task = bar.add_task(f"job {job_id} ({view.kind})", total=view.total)
                while view.status in ("queued", "running"):
                    bar.update(task, completed=view.done, total=view.total)
                    time.sleep(0.5)
                    session.expire_all()
                    view = jobs.get_job(session, user, job_id, progress_dir=settings.data_dir / "jobs")
    print(json.dumps(job_json(view), indent=2))
    if follow and view.status != "succeeded":
        fail(f"job {job_id} {view.status}: {(view.error or {}).get('message', '')}")


@jobs_app.command("cancel")
def jobs_cancel(job_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                data_dir: DataDirOption = None) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        view = jobs.cancel_job(session, acting_user(session, actor), job_id, progress_dir=settings.data_dir / "jobs")
    out.print(f"job {job_id}: {'cancel requested' if view.status == 'running' else view.status}")


@jobs_app.command("retry")
def jobs_retry(job_id: int, actor: ActorOption = None, database: DatabaseOption = None,
               data_dir: DataDirOption = None) -> None:
    """Queue a failed or cancelled job again."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        view = jobs.retry_job(session, acting_user(session, actor), job_id, progress_dir=settings.data_dir / "jobs")
    out.print(f"job {job_id}: {view.status} (attempt {view.attempts + 1})")
