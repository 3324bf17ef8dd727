"""Apply the Alembic migrations shipped inside the package, without an alembic.ini on disk."""

from pathlib import Path

from dataclasses import dataclass

from alembic import command
from alembic.util.exc import CommandError
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseTooNew(Exception):
    """The database was migrated by a newer labelwise than this one."""


@dataclass(frozen=True)
class RevisionState:
    current: str | None  # None: an empty database
    head: str
    pending: list[str]  # the migrations `upgrade` would apply, oldest first


def state(engine: Engine) -> RevisionState:
    """Where the database stands against the migrations this code ships; raises `DatabaseTooNew`."""
    script = ScriptDirectory.from_config(_config())
    current = current_revision(engine)
    head = head_revision()
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise DatabaseTooNew(
                f"the database is at revision {current}, which this labelwise does not know (its newest is {head}): "
                "it was written by a newer labelwise; run that version, or restore a backup taken before"
            ) from None
    pending = [rev.revision for rev in script.iterate_revisions(head, current)]
    return RevisionState(current, head, list(reversed(pending)))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest); raises `DatabaseTooNew` for a newer database."""
    state(engine)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
