"""Batches: sets of a project's tasks with priority, deadline, overlap, pay and budget; the queue ranks by them

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=True),
    sa.Column('overlap', sa.Integer(), nullable=True),
    sa.Column('pay_per_task', sa.Float(), nullable=False),
    sa.Column('pay_per_second', sa.Float(), nullable=False),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('spent', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_batches_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_batches_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_batches_project_id_name'))
    )
    # Plain ADD COLUMN (no batch copy of a million-row table); a constant default costs nothing on either.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE tasks ADD COLUMN batch_id INTEGER '
                   'CONSTRAINT fk_tasks_batch_id_batches REFERENCES batches (id) ON DELETE SET NULL')
    else:
        op.add_column('tasks', sa.Column('batch_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_tasks_batch_id_batches', 'tasks', 'batches', ['batch_id'], ['id'],
                              ondelete='SET NULL')
    op.add_column('tasks', sa.Column('queue_rank', sa.BigInteger(), server_default='0', nullable=False))
    op.create_index('ix_tasks_batch_id', 'tasks', ['batch_id'])
    op.drop_index('ix_tasks_queue', table_name='tasks')
    op.create_index(
        'ix_tasks_queue', 'tasks', ['project_id', sa.text('queue_rank DESC'), sa.text('priority DESC'), 'id'],
        sqlite_where=sa.text('remaining > 0'), postgresql_where=sa.text('remaining > 0'),
    )


def downgrade() -> None:
    op.drop_index('ix_tasks_queue', table_name='tasks')
    op.drop_index('ix_tasks_batch_id', table_name='tasks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_tasks_batch_id_batches', type_='foreignkey')
        batch_op.drop_column('queue_rank')
        batch_op.drop_column('batch_id')
    op.create_index(
        'ix_tasks_queue', 'tasks', ['project_id', sa.text('priority DESC'), 'id'],
        sqlite_where=sa.text('remaining > 0'), postgresql_where=sa.text('remaining > 0'),
    )
    op.drop_table('batches')
