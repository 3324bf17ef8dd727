"""`labelwise weak`: labeling functions, their votes and analysis, and the label model."""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import MofNCompleteColumn

from labelwise.cli._app import out
from labelwise.cli._shared import (
    ActorOption,
    DatabaseOption,
    DataDirOption,
    acting_user,
    open_session,
    progress_bar,
    read_text,
    settings_for,
)
from labelwise.errors import Invalid

weak_app = typer.Typer(help="Weak supervision: labeling functions, their votes and analysis, the label model.")


@weak_app.command("list")
def weak_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
              data_dir: DataDirOption = None) -> None:
    """List a project's labeling functions as JSON lines."""
    from labelwise.core.weak import functions

    with open_session(settings_for(database, data_dir)) as session:
        rows = functions.list_functions(session, acting_user(session, actor), project_id)
        for row in rows:
            print(json.dumps({"id": row.id, "name": row.name, "kind": row.kind, "control": row.control,
                              "definition": row.definition,
                              "votes_current": row.votes_hash == row.definition_hash}))


@weak_app.command("add")
def weak_add(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="A JSON file: one labeling function object, or a list of them.")],
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add labeling functions from a JSON file ({name, kind, label, ...options} each)."""
    from labelwise.core.weak import functions

    try:
        definitions = json.loads(read_text(path, "labeling functions"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path} is not valid JSON: {exc}") from None
    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        for definition in definitions if isinstance(definitions, list) else [definitions]:
            row = functions.create(session, user, project_id, definition)
            out.print(f"labeling function {row.id} '{row.name}' ({row.kind}) added")


@weak_app.command("apply")
def weak_apply(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
               data_dir: DataDirOption = None) -> None:
    """Compute the votes of every rule that changed or misses new tasks; print the report as JSON."""
    from labelwise.core.weak import functions

    with open_session(settings_for(database, data_dir)) as session:
        report = functions.apply(session, acting_user(session, actor), project_id)
    print(json.dumps(report))


@weak_app.command("analyze")
def weak_analyze(
    project_id: int,
    control: Annotated[Optional[str], typer.Option(help="Single-choice control; default: the first.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print each function's coverage, overlap, conflict, and accuracy on human labels (95% interval)."""
    from labelwise.core.weak import label_model

    with open_session(settings_for(database, data_dir)) as session:
        report = label_model.analysis(session, acting_user(session, actor), project_id, control=control)
    out.print(f"control '{report['control']}': {report['tasks']} tasks, {report['labelled_tasks']} with human "
              f"labels, total coverage {report['total_coverage']:.1%}")
    for row in report["functions"]:
        acc = "n/a" if row["accuracy"] is None else (
            f"{row['accuracy']:.3f} [{row['accuracy_interval'][0]:.3f}, {row['accuracy_interval'][1]:.3f}]")
        out.print(f"  {row['name']}: coverage {row['coverage']:.1%}, overlap {row['overlap']:.1%}, "
                  f"conflict {row['conflict']:.1%}, accuracy {acc} on {row['n_votes']}")


@weak_app.command("run")
def weak_run(
    project_id: int,
    model: Annotated[str, typer.Option(help="ensemble (Dawid–Skene + majority vote, the default), dawid_skene, "
                                            "matrix_completion or majority_vote.")] = "ensemble",
    control: Annotated[Optional[str], typer.Option(help="Single-choice control; default: the first.")] = None,
    model_version: Annotated[Optional[str], typer.Option(help="Default: weak/<model>/<functions' hash>.")] = None,
    end_model: Annotated[bool, typer.Option(help="Also train the built-in text classifier on the label model's "
                                                 "labels and store its predictions for every task.")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="Queue a background job (kind weak.label_model) for a "
                                        "runner or `labelwise worker` instead; follow it with `labelwise jobs show "
                                        "ID -f`.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Fit the label model on the current votes and store its labels as predictions, with a progress bar."""
    from labelwise.core.weak import label_model

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        if queue:
            job = label_model.queue_run(session, user, project_id, control=control, model=model,
                                        model_version=model_version, end_model=end_model)
            out.print(f"job {job.id}: label model {model} queued")
            return
        with progress_bar(MofNCompleteColumn()) as progress:
            bar = progress.add_task(f"label model {model}", total=None)
            summary = label_model.run(session, user, project_id, control=control, model=model,
                                      model_version=model_version, end_model=end_model,
                                      progress=lambda done, total: progress.update(bar, completed=done, total=total))
    out.print(f"{summary['predictions']} predictions stored as model version {summary['model_version']}")
    if "end_model" in summary:
        end = summary["end_model"]
        out.print(f"end model trained on {end['trained_on']} tasks: {end['predictions']} predictions stored as "
                  f"model version {end['model_version']}")
