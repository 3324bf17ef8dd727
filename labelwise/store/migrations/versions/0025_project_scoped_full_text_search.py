"""project-scoped full-text search: the project is part of the index lookup

SQLite: `tasks_fts` gets a `project` column (the project id) before `body`; searches match
`project : "<id>" AND body : (...)` and walk the FTS table in rowid order. PostgreSQL: the GIN index
covers the project id as a weight-A lexeme next to the text (weight D). `labelwise.store.search`
writes the matching queries.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_SQLITE_TEXT = "(SELECT group_concat(value, ' ') FROM json_tree({row}.data) WHERE type = 'text')"
_TRIGGERS = ('tasks_fts_delete', 'tasks_fts_update')
_PG_VECTOR = ("(setweight(to_tsvector('simple', CAST(project_id AS TEXT)), 'A') || "
              "jsonb_to_tsvector('simple', data, '[\"string\"]'))")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in _TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS tasks_fts')
        op.execute("CREATE VIRTUAL TABLE tasks_fts USING fts5(project, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        op.execute("INSERT INTO tasks_fts (rowid, project, body) "
                   f"SELECT id, project_id, {_SQLITE_TEXT.format(row='tasks')} FROM tasks")
        op.execute("CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN "
                   "DELETE FROM tasks_fts WHERE rowid = old.id; END")
        op.execute(
            "CREATE TRIGGER tasks_fts_update AFTER UPDATE OF data, project_id ON tasks BEGIN "
            "DELETE FROM tasks_fts WHERE rowid = old.id; "
            f"INSERT INTO tasks_fts (rowid, project, body) VALUES (new.id, new.project_id, "
            f"{_SQLITE_TEXT.format(row='new')}); END"
        )
    else:
        op.execute('DROP INDEX IF EXISTS ix_tasks_search')
        op.execute(f"CREATE INDEX ix_tasks_search ON tasks USING gin ({_PG_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in _TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS tasks_fts')
        op.execute("CREATE VIRTUAL TABLE tasks_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
        op.execute(f"INSERT INTO tasks_fts (rowid, body) SELECT id, {_SQLITE_TEXT.format(row='tasks')} FROM tasks")
        op.execute("CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN "
                   "DELETE FROM tasks_fts WHERE rowid = old.id; END")
        op.execute(
            "CREATE TRIGGER tasks_fts_update AFTER UPDATE OF data ON tasks BEGIN "
            "DELETE FROM tasks_fts WHERE rowid = old.id; "
            f"INSERT INTO tasks_fts (rowid, body) VALUES (new.id, {_SQLITE_TEXT.format(row='new')}); END"
        )
    else:
        op.execute('DROP INDEX IF EXISTS ix_tasks_search')
        op.execute("CREATE INDEX ix_tasks_search ON tasks USING gin (jsonb_to_tsvector('simple', data, '[\"string\"]'))")
