"""Models in the loop: `backend`, `model`, `prelabel`, `label-errors`; and `duplicates` (a scan job)."""

import json
from typing import Annotated, Optional

import typer
from rich.progress import MofNCompleteColumn

from labelwise.cli._app import app, err, out
from labelwise.cli._shared import (
    ActorOption,
    DatabaseOption,
    DataDirOption,
    acting_user,
    fail,
    job_json,
    open_session,
    progress_bar,
    run_job_here,
    settings_for,
)
from labelwise.errors import Invalid
from labelwise.store.models import User

backend_app = typer.Typer(help="ML backends of a project: add, list, check.")
model_app = typer.Typer(help="Built-in models: train a version, list versions with their metrics, pre-label.")


@app.command("label-errors")
def label_errors_command(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    control: Annotated[str | None, typer.Option(help="Single-choice control to check (default: the first usable).")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
    limit: Annotated[int, typer.Option(min=1, help="Flags to print, most likely wrong first.")] = 20,
) -> None:
    """Find likely label errors (cross-validation + confident learning) in a `label_errors.detect` job run here
    with a progress bar (folds), store them, print the run and the worst flags as JSON."""
    from dataclasses import asdict

    from labelwise.core.review import label_errors

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        user = acting_user(session, actor)
        job = label_errors.queue_detect(session, user, project_id, control=control, folds=folds)
        view = run_job_here(settings, session, user, job.id, "cross-validating")
        page = label_errors.list_flags(session, user, project_id, limit=limit)
    print(json.dumps({**(view.result or {}), "job_id": view.id, "flags": [asdict(f) for f in page.flags]}, indent=2))


@app.command("duplicates")
def duplicates_command(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    text_threshold: Annotated[float, typer.Option(min=0.5, max=1.0, help="Least shingle Jaccard of near-duplicate "
                                                                          "texts.")] = 0.8,
    image_distance: Annotated[int, typer.Option(min=0, max=32, help="Most differing pHash bits of near-duplicate "
                                                                    "images.")] = 8,
    limit: Annotated[int, typer.Option(min=1, help="Clusters to print.")] = 20,
) -> None:
    """Scan for exact and near-duplicate clusters in a `duplicates.scan` job run here with a progress bar,
    store them, print the scan and the first clusters as JSON."""
    from labelwise.core.duplicates import duplicate_clusters, duplicates, scan_job

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        user = acting_user(session, actor)
        options = duplicates.ScanOptions(text_threshold=text_threshold, image_distance=image_distance)
        job = scan_job.queue_scan(session, user, project_id, options=options)
        view = run_job_here(settings, session, user, job.id, "scanning for duplicates")
        page = duplicate_clusters.list_clusters(session, user, project_id, limit=limit)
    print(json.dumps({**(view.result or {}), "job_id": view.id,
                      "clusters": [c.__dict__ for c in page.clusters]}, indent=2))


@backend_app.command("add")
def backend_add(
    project_id: int,
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help="labelwise (our protocol) or labelstudio (a Label Studio ML backend).")] = "labelwise",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each call.")] = 30.0,
    auth_header: Annotated[Optional[str], typer.Option(help="Sent as the Authorization header.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Attach an ML backend to a project, then check it (health and setup)."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        added = backends.add_backend(session, user, project_id, name=name, url=url, kind=kind,
                                     timeout_seconds=timeout, auth_header=auth_header)
        view = backends.check_backend(session, user, added.id)
    out.print(f"ML backend {view.id} '{view.name}': {view.last_status}"
              + (f", model version {view.model_version}" if view.model_version else "")
              + (f" ({view.last_error})" if view.last_error else ""))


@backend_app.command("list")
def backend_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                 data_dir: DataDirOption = None) -> None:
    """List a project's ML backends as JSON lines."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        views = backends.list_backends(session, acting_user(session, actor), project_id)
    for view in views:
        print(json.dumps(job_json(view)))


@backend_app.command("check")
def backend_check(backend_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                  data_dir: DataDirOption = None) -> None:
    """Call a backend's health and setup now (exit 1 when it fails)."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        view = backends.check_backend(session, acting_user(session, actor), backend_id)
    if view.last_status != "ok":
        fail(view.last_error or "the backend check failed")
    out.print(f"ML backend {view.id} '{view.name}': ok, model version {view.model_version}")


@model_app.command("train")
def model_train(
    project_id: int,
    control: Annotated[Optional[str], typer.Option(help="Control to learn; default: the first a model can learn.")] = None,
    prelabel: Annotated[bool, typer.Option("--prelabel/--no-prelabel",
                                           help="Pre-label the unlabeled tasks with the new version.")] = True,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train a new model version here (not in a runner), print it as JSON, then pre-label with a progress bar."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        err.print(f"training on the labeled tasks of project {project_id}…")
        version = training.train(session, user, project_id, control=control)
        print(json.dumps(_version_json(version)))
        if prelabel:
            stored = _prelabel_with_bar(session, user, project_id, version)
            out.print(f"{stored} predictions stored as model version {version.name}")
        training.reorder_queue(session, project_id, version)


@model_app.command("versions")
def model_versions(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                   data_dir: DataDirOption = None) -> None:
    """List a project's model versions, newest first, as JSON lines (with cross-validated metrics)."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        for version in training.list_versions(session, acting_user(session, actor), project_id):
            print(json.dumps(_version_json(version)))


@model_app.command("prelabel")
def model_prelabel(
    project_id: int,
    version_id: Annotated[Optional[int], typer.Argument(help="Model version id; default: the newest.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Predict every task without a submitted answer with a model version, with a progress bar."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        versions = training.list_versions(session, user, project_id)
        if version_id is None and not versions:
            raise Invalid(f"project {project_id} has no model version yet: run `labelwise model train {project_id}`")
        version = training.get_version(session, user, project_id, version_id) if version_id else versions[0]
        stored = _prelabel_with_bar(session, user, project_id, version)
    out.print(f"{stored} predictions stored as model version {version.name}")


def _prelabel_with_bar(session, user: User, project_id: int, version) -> int:
    from labelwise.core.assist import training

    with progress_bar(MofNCompleteColumn()) as progress:
        bar = progress.add_task(f"pre-labeling with {version.name}", total=None)
        return training.prelabel(session, user, project_id, version_id=version.id,
                                 progress=lambda done, total: progress.update(bar, completed=done, total=total))


def _version_json(version) -> dict:
    return {"id": version.id, "name": version.name, "control": version.control, "version": version.version,
            "model_class": version.model_class, "trained_on": version.trained_on, "metrics": version.metrics,
            "created_at": version.created_at.isoformat()}


@app.command()
def prelabel(
    project_id: int,
    backend: Annotated[int, typer.Option(help="The ML backend id (see `labelwise backend list`).")],
    batch_size: Annotated[int, typer.Option(help="Tasks per call to the backend.")] = 32,
    all_tasks: Annotated[bool, typer.Option("--all-tasks", help="Also predict tasks that have annotations.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Queue a pre-label job (a runner or `labelwise worker` runs it); follow it with `jobs show ID -f`."""
    from labelwise.core.assist import prelabel as prelabeling

    with open_session(settings_for(database, data_dir)) as session:
        job = prelabeling.queue_prelabel(session, acting_user(session, actor), project_id, backend_id=backend,
                                         batch_size=batch_size, all_tasks=all_tasks)
    out.print(f"job {job.id}: pre-labeling up to {job.total} tasks")


@app.command()
def ocr(
    project_id: int,
    object_name: Annotated[Optional[str], typer.Option("--object", help="The image or pdf object to read.")] = None,
    label: Annotated[Optional[str], typer.Option(help="Label of the boxes; default: the control's first.")] = None,
    level: Annotated[str, typer.Option(help="'lines' (a box per line of text) or 'words'.")] = "lines",
    all_tasks: Annotated[bool, typer.Option("--all-tasks", help="Also read tasks that have annotations.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Queue an OCR job over the project's images and PDF pages (a runner or `labelwise worker` runs it): boxes
    with their text per region, as predictions. Needs the ocr extra; follow it with `jobs show ID -f`."""
    from labelwise.core.assist import ocr as reading

    with open_session(settings_for(database, data_dir)) as session:
        job = reading.queue_ocr(session, acting_user(session, actor), project_id, object_name=object_name,
                                label=label, level=level, all_tasks=all_tasks)
    out.print(f"job {job.id}: reading the text of up to {job.total} tasks")
