"""Migrations build exactly the tables the models declare, and can be walked down and up again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from labelwise.store.migrate import _config, current_revision, head_revision, upgrade
from labelwise.store.models import Base
from labelwise.store.session import make_engine


def _differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    # Expression indexes (the partial queue index) cannot be reflected on SQLite; checked separately below.
    # SQLite reflects a column-level REFERENCES (how 0002 and 0016 add a key without copying the table) with no
    # name or ON DELETE, so those keys show up as renamed; its DDL is checked in the test below.
    # Full-text search lives outside the models: SQLite's FTS5 table (and its shadow tables), PostgreSQL's
    # GIN expression index; tests/api/test_search.py proves both work.
    return [
        d for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("tasks_fts"))
        and not (d[0] == "remove_index" and d[1].name == "ix_tasks_search")
        and not (d[0] in ("add_index", "remove_index") and d[1].name == "ix_tasks_queue")
        and not (engine.dialect.name == "sqlite" and d[0] in ("add_fk", "remove_fk")
                 and [c.name for c in d[1].columns] in (["adjudicated_by"], ["batch_id"], ["external_link_id"]))
    ]


def _queue_index_sql(engine) -> str:
    indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("tasks")}
    assert "ix_tasks_queue" in indexes
    return str(indexes["ix_tasks_queue"].get("dialect_options", {}))


def test_upgrade_matches_the_models(database_url):
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    assert _differences(engine) == []
    _queue_index_sql(engine)
    engine.dispose()


def test_downgrade_to_base_and_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'walk.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert _differences(engine) == []
    _queue_index_sql(engine)
    engine.dispose()


def test_sqlite_adjudication_key_nulls_on_user_delete(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        ddl = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'tasks'").scalar()
    assert "adjudicated_by INTEGER CONSTRAINT fk_tasks_adjudicated_by_users REFERENCES users (id) ON DELETE SET NULL" in ddl
    engine.dispose()
