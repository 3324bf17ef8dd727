"""`labelwise user` and `labelwise project`: users, API tokens and projects."""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from labelwise.cli._app import err, out
from labelwise.cli._shared import (
    ActorOption,
    DatabaseOption,
    DataDirOption,
    acting_user,
    open_session,
    read_text,
    settings_for,
)
from labelwise.core.accounts import users
from labelwise.core.projects import projects
from labelwise.errors import Invalid
from labelwise.formats import labelstudio_config
from labelwise.schema import parse_schema

user_app = typer.Typer(help="Users and API tokens.")
project_app = typer.Typer(help="Projects.")


@user_app.command("create")
def user_create(
    username: str,
    password: Annotated[
        Optional[str], typer.Option(help="Password; asked for when missing.", envvar="LABELWISE_NEW_PASSWORD")
    ] = None,
    email: Annotated[Optional[str], typer.Option(help="E-mail address.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session(settings_for(database, data_dir), create=True) as session:
        user = users.create_user(session, username=username, password=password, email=email, is_admin=admin)
    out.print(f"created user {user.username} (id {user.id}{', admin' if admin else ''})")


@user_app.command("token")
def user_token(
    username: str,
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token for a user and print it (shown once)."""
    with open_session(settings_for(database, data_dir)) as session:
        user = users.get_user_by_name(session, username)
        _, secret = users.issue_token(session, user, name=name)
    print(secret)


@project_app.command("create")
def project_create(
    name: str,
    schema: Annotated[Path, typer.Option("--schema", help="Label schema file (YAML or JSON), or a Label Studio "
                                                         "labeling config (.xml), converted with a warning for "
                                                         "each tag or attribute it cannot keep.")],
    guidelines: Annotated[Optional[Path], typer.Option(help="Guidelines file (Markdown).")] = None,
    overlap: Annotated[int, typer.Option(min=1, help="Annotators per task.")] = 1,
    routing: Annotated[str, typer.Option(help="sequential, random, active_learning or uncertainty.")] = "sequential",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a project from a schema file or a Label Studio config."""
    source = read_text(schema, "schema")
    if _is_labelstudio(schema, source):
        source = _convert_labelstudio(schema, source)
    try:
        parse_schema(source)
    except Invalid as exc:
        raise Invalid(f"{schema}: {exc.message}", field=exc.field, line=exc.line) from None
    notes = read_text(guidelines, "guidelines") if guidelines else ""
    with open_session(settings_for(database, data_dir)) as session:
        project = projects.create_project(
            session, acting_user(session, actor), name=name, label_schema=source, guidelines=notes,
            settings={"overlap": overlap, "routing": routing},
        )
    out.print(f"created project {project.id}: {project.name}")


@project_app.command("convert-labelstudio")
def project_convert_labelstudio(
    config: Annotated[Path, typer.Argument(help="A Label Studio labeling config (<View> XML).")],
) -> None:
    """Print the label schema (JSON) a Label Studio config converts to; warnings go to stderr."""
    schema = _convert_labelstudio(config, read_text(config, "config"))
    print(json.dumps(schema, indent=2, ensure_ascii=False))


def _is_labelstudio(path: Path, text: str) -> bool:
    return path.suffix.lower() == ".xml" or text.lstrip().startswith("<")


def _convert_labelstudio(path: Path, text: str) -> dict:
    """Convert, printing one line per tag or attribute that could not be kept."""
    try:
        schema, warnings = labelstudio_config.convert(text)
    except Invalid as exc:
        raise Invalid(f"{path}: {exc.message}", field=exc.field, line=exc.line) from None
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"{path}: converted with {len(warnings)} warning(s)", markup=False, highlight=False)
    return schema
