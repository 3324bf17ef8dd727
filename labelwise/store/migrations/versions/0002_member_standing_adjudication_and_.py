"""member standing, adjudication and notifications

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_notifications_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_project_id_id', 'notifications', ['project_id', 'id'], unique=False)
    op.create_index(op.f('ix_notifications_user_id'), 'notifications', ['user_id'], unique=False)
    # Plain ADD COLUMN (no batch copy), so SQLite keeps the tasks table and its partial queue index as they are.
    op.add_column('members', sa.Column('status', sa.String(length=16), server_default='active', nullable=False))
    op.add_column('members', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('members', sa.Column('skill', sa.Float(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':  # alembic would copy the whole table to add a foreign key
        op.execute('ALTER TABLE tasks ADD COLUMN adjudicated_by INTEGER '
                   'CONSTRAINT fk_tasks_adjudicated_by_users REFERENCES users (id) ON DELETE SET NULL')
    else:
        op.add_column('tasks', sa.Column('adjudicated_by', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_tasks_adjudicated_by_users', 'tasks', 'users', ['adjudicated_by'], ['id'],
                              ondelete='SET NULL')
    op.add_column('tasks', sa.Column('adjudicated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_index('ix_tasks_queue', table_name='tasks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':  # SQLite reflects the key unnamed; the copy drops it
            batch_op.drop_constraint('fk_tasks_adjudicated_by_users', type_='foreignkey')
        batch_op.drop_column('adjudicated_at')
        batch_op.drop_column('adjudicated_by')
    op.create_index(
        'ix_tasks_queue', 'tasks', ['project_id', sa.text('priority DESC'), 'id'],
        sqlite_where=sa.text('remaining > 0'), postgresql_where=sa.text('remaining > 0'),
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('skill')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
    op.drop_index(op.f('ix_notifications_user_id'), table_name='notifications')
    op.drop_index('ix_notifications_project_id_id', table_name='notifications')
    op.drop_table('notifications')
