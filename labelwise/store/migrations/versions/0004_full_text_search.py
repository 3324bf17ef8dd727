"""full-text search over the text values of task data

SQLite: an FTS5 table kept in step with `tasks` by triggers. PostgreSQL: a GIN index on the
tsvector of the JSON string values. `labelwise.store.search` writes the matching queries.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_SQLITE_TEXT = "(SELECT group_concat(value, ' ') FROM json_tree({row}.data) WHERE type = 'text')"


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE tasks_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
        op.execute(f"INSERT INTO tasks_fts (rowid, body) SELECT id, {_SQLITE_TEXT.format(row='tasks')} FROM tasks")
        op.execute(
            "CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN "
            f"INSERT INTO tasks_fts (rowid, body) VALUES (new.id, {_SQLITE_TEXT.format(row='new')}); END"
        )
        op.execute("CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN "
                   "DELETE FROM tasks_fts WHERE rowid = old.id; END")
        op.execute(
            "CREATE TRIGGER tasks_fts_update AFTER UPDATE OF data ON tasks BEGIN "
            "DELETE FROM tasks_fts WHERE rowid = old.id; "
            f"INSERT INTO tasks_fts (rowid, body) VALUES (new.id, {_SQLITE_TEXT.format(row='new')}); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_tasks_search ON tasks USING gin (jsonb_to_tsvector('simple', data, '[\"string\"]'))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('tasks_fts_insert', 'tasks_fts_delete', 'tasks_fts_update'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS tasks_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_tasks_search')
