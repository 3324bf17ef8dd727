"""fill SQLite's full-text index from the import code instead of a per-row trigger

`labelwise.store.search.index_new_tasks` now adds each imported task's text; SQLite's json_tree in the
insert trigger was the largest cost of a million-row import. The delete and update triggers stay.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS tasks_fts_insert')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN "
            "INSERT INTO tasks_fts (rowid, body) VALUES "
            "(new.id, (SELECT group_concat(value, ' ') FROM json_tree(new.data) WHERE type = 'text')); END"
        )
