"""The `labelwise` command. Each command parses its options, calls `labelwise.core`, and prints.

`labelwise [DATABASE]` with no command runs `serve`. Mistakes print one `error:` line and exit 1.
"""

import sys

from sqlalchemy.exc import DatabaseError

from labelwise.cli import accounts, crowd, data, db, iteration, jobs, models, server, sso, weak, webhooks  # noqa: F401  (server, weak: their commands register on import)
from labelwise.cli._app import app
from labelwise.cli._shared import fail
from labelwise.errors import ImportRejected, LabelwiseError
from labelwise.storage import StorageError
from labelwise.store import backup
from labelwise.store.migrate import DatabaseTooNew

app.add_typer(db.db_app, name="db")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.project_app, name="project")
app.add_typer(data.snapshot_app, name="snapshot")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(weak.weak_app, name="weak")
app.add_typer(iteration.schema_app, name="schema")
app.add_typer(iteration.pilot_app, name="pilot")
app.add_typer(models.backend_app, name="backend")
app.add_typer(models.model_app, name="model")
app.add_typer(webhooks.webhook_app, name="webhook")
app.add_typer(sso.sso_app, name="sso")
app.add_typer(crowd.batch_app, name="batch")
app.add_typer(crowd.link_app, name="link")
app.command("forecast")(crowd.forecast)


def main() -> None:
    """Entry point: `serve` is the default command, and user mistakes never print a traceback."""
    args = sys.argv[1:]
    commands = command_names()
    if not args or (args[0] not in commands and not args[0].startswith("-")):
        args = ["serve", *args]
    try:
        app(args=args, prog_name="labelwise")
    except ImportRejected as exc:
        fail(exc.message, *(f"  {error.message}" for error in exc.errors))
    except LabelwiseError as exc:
        fail(exc.message)
    except (DatabaseTooNew, backup.BackupError, StorageError) as exc:
        fail(str(exc))
    except DatabaseError as exc:
        fail(f"cannot use the database: {exc.orig}")


def command_names() -> set[str]:
    """Every command and command group the root app knows, so a new one never falls through to `serve`."""
    names = {group.name for group in app.registered_groups}
    names |= {command.name or command.callback.__name__.replace("_", "-") for command in app.registered_commands}
    return names
