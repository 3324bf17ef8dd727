"""Worker links: crowd workers without accounts, as external users, with per-link quotas and limits

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('worker_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('max_tasks_per_worker', sa.Integer(), nullable=True),
    sa.Column('max_tasks_total', sa.Integer(), nullable=True),
    sa.Column('max_workers', sa.Integer(), nullable=True),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('tasks_done', sa.Integer(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('blocked', json_type, nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=True),
    sa.Column('window_count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_worker_links_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_worker_links_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_worker_links_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_links')),
    sa.UniqueConstraint('token', name=op.f('uq_worker_links_token'))
    )
    op.create_index(op.f('ix_worker_links_project_id'), 'worker_links', ['project_id'], unique=False)
    op.create_table('link_workers',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tasks_done', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['worker_links.id'], name=op.f('fk_link_workers_link_id_worker_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_link_workers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('link_id', 'worker_id', name=op.f('pk_link_workers'))
    )
    op.create_index(op.f('ix_link_workers_user_id'), 'link_workers', ['user_id'], unique=False)
    op.add_column('users', sa.Column('is_external', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE users ADD COLUMN external_link_id INTEGER '
                   'CONSTRAINT fk_users_external_link_id_worker_links REFERENCES worker_links (id) ON DELETE SET NULL')
    else:
        op.add_column('users', sa.Column('external_link_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_users_external_link_id_worker_links', 'users', 'worker_links',
                              ['external_link_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_users_external_link_id_worker_links', type_='foreignkey')
        batch_op.drop_column('external_link_id')
        batch_op.drop_column('is_external')
    op.drop_index(op.f('ix_link_workers_user_id'), table_name='link_workers')
    op.drop_table('link_workers')
    op.drop_index(op.f('ix_worker_links_project_id'), table_name='worker_links')
    op.drop_table('worker_links')
