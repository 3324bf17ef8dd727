"""`labelwise schema`: versions of a project's label schema and guidelines, and safe schema changes."""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from labelwise.cli._app import out
from labelwise.cli._shared import ActorOption, DatabaseOption, DataDirOption, acting_user, open_session, read_text, settings_for
from labelwise.errors import Invalid

schema_app = typer.Typer(help="Label schema and guidelines versions; schema changes with label migrations.")

SchemaFile = Annotated[Path, typer.Argument(help="The new label schema (YAML or JSON file).")]
MigrationOption = Annotated[Optional[Path], typer.Option(
    "--migration", help="A JSON file: the list of migration steps (rename_label, merge_labels, split_label, "
                        "map_values, drop_control, rename_control).")]


@schema_app.command("versions")
def schema_versions(project_id: int, kind: Annotated[Optional[str], typer.Option(help="schema or guidelines")] = None,
                    actor: ActorOption = None, database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """List the schema and guidelines versions, newest first, with their diffs."""
    from labelwise.core.projects import versions

    with open_session(settings_for(database, data_dir)) as session:
        for view in versions.list_versions(session, acting_user(session, actor), project_id, kind=kind):
            current = " (current)" if view.current else ""
            out.print(f"{view.kind} v{view.number}{current} {view.created_at:%Y-%m-%d %H:%M} by {view.author or '-'}",
                      highlight=False)
            for line in view.diff:
                out.print(f"    {line}", highlight=False, markup=False)


@schema_app.command("preview")
def schema_preview(project_id: int, schema: SchemaFile, migration: MigrationOption = None, actor: ActorOption = None,
                   database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Print (as JSON) what changing to SCHEMA would change, rewrite and break; writes nothing."""
    from labelwise.core.iteration import schema_change

    with open_session(settings_for(database, data_dir)) as session:
        plan = schema_change.preview(session, acting_user(session, actor), project_id, read_text(schema, "schema"),
                                     _steps(migration))
        print(json.dumps(plan.to_dict(), indent=2))


@schema_app.command("apply")
def schema_apply(project_id: int, schema: SchemaFile, migration: MigrationOption = None, actor: ActorOption = None,
                 database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Change the project's schema to SCHEMA; with --migration, migrate stored results (snapshot first)."""
    from labelwise.core.iteration import schema_change

    with open_session(settings_for(database, data_dir)) as session:
        changes: dict = {"label_schema": read_text(schema, "schema")}
        steps = _steps(migration)
        if steps is not None:
            changes["migration"] = steps
        project = schema_change.update_project(session, acting_user(session, actor), project_id, changes)
        out.print(f"project {project_id} is at schema version {project.schema_version}", highlight=False)


def _steps(path: Path | None) -> list | None:
    if path is None:
        return None
    try:
        return json.loads(read_text(path, "migration"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path} is not valid JSON: {exc}", field="migration") from None


@schema_app.command("reannotate")
def schema_reannotate(
    project_id: int,
    mode: Annotated[str, typer.Option(help="relabel (back to each author) or review (back to the review queue).")]
    = "relabel",
    schema_version: Annotated[Optional[int], typer.Option(help="Answers made under this schema version.")] = None,
    before_schema_version: Annotated[Optional[int], typer.Option(
        help="Answers made under an older schema version than this.")] = None,
    guidelines_version: Annotated[Optional[int], typer.Option(help="Answers made under this guidelines version.")]
    = None,
    before_guidelines_version: Annotated[Optional[int], typer.Option(
        help="Answers made under an older guidelines version than this.")] = None,
    annotator: Annotated[Optional[str], typer.Option(help="Only this annotator's answers.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go back.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Send submitted answers back for relabeling or review; earlier answers stay in the history."""
    from labelwise.core.iteration import reannotate

    with open_session(settings_for(database, data_dir)) as session:
        chosen = reannotate.selection(schema_version=schema_version, before_schema_version=before_schema_version,
                                      guidelines_version=guidelines_version,
                                      before_guidelines_version=before_guidelines_version,
                                      annotator_id=reannotate.annotator_id(session, annotator))
        done = reannotate.reannotate(session, acting_user(session, actor), project_id, chosen, mode=mode,
                                     dry_run=dry_run)
        verb = "sent back" if done.applied else "would go back"
        out.print(f"{done.annotations} answers on {done.tasks} tasks {verb} ({done.mode})", highlight=False)


pilot_app = typer.Typer(help="Pilot rounds: chosen annotators label the same items; reports and comparisons.")


@pilot_app.command("start")
def pilot_start(
    project_id: int,
    name: str,
    annotators: Annotated[str, typer.Option(help="Comma-separated usernames (2 or more).")],
    sample: Annotated[Optional[int], typer.Option(help="Take the first N tasks nobody has been given.")] = None,
    tasks: Annotated[Optional[str], typer.Option(help="Comma-separated task ids (instead of --sample).")] = None,
    lease_days: Annotated[int, typer.Option(help="Days the pilot tasks stay leased to its annotators.")] = 7,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Start a pilot round: every annotator gets every pilot task."""
    from labelwise.core.iteration import pilots

    try:
        task_ids = [int(t) for t in tasks.split(",") if t.strip()] if tasks else None
    except ValueError:
        raise Invalid("--tasks takes comma-separated task ids", field="tasks") from None
    with open_session(settings_for(database, data_dir)) as session:
        pilot = pilots.create_pilot(session, acting_user(session, actor), project_id, name=name,
                                    annotators=[a.strip() for a in annotators.split(",") if a.strip()],
                                    task_ids=task_ids, sample=sample, lease_days=lease_days)
        out.print(f"pilot {pilot.id} '{pilot.name}': {len(pilot.task_ids)} tasks x {len(pilot.annotator_ids)} "
                  "annotators", highlight=False)


@pilot_app.command("report")
def pilot_report(pilot_id: int, compare: Annotated[Optional[int], typer.Option(
                     help="Another pilot of the project to compare with (this one as 'before').")] = None,
                 actor: ActorOption = None, database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Print a pilot's report (or the comparison of two pilots) as JSON."""
    from labelwise.core.iteration import pilots

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        found = pilots.compare(session, user, pilot_id, compare) if compare else pilots.report(session, user, pilot_id)
        print(json.dumps(found, indent=2))
