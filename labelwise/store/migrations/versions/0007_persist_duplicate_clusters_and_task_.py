"""persist duplicate clusters and task fingerprints (new tables only: tasks is never batch-copied)

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_clusters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_duplicate_clusters_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_clusters'))
    )
    op.create_index('ix_duplicate_clusters_project_id', 'duplicate_clusters', ['project_id'])

    op.create_table('duplicate_members',
    sa.Column('cluster_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['duplicate_clusters.id'], name=op.f('fk_duplicate_members_cluster_id_duplicate_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_duplicate_members_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_duplicate_members_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cluster_id', 'task_id', name=op.f('pk_duplicate_members'))
    )
    op.create_index('ix_duplicate_members_project_id_task_id', 'duplicate_members', ['project_id', 'task_id'])

    op.create_table('task_fingerprints',
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('band_keys', sa.LargeBinary(), nullable=True),
    sa.Column('phash', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_task_fingerprints_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_fingerprints_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_task_fingerprints'))
    )
    op.create_index('ix_task_fingerprints_project_id', 'task_fingerprints', ['project_id'])


def downgrade() -> None:
    op.drop_index('ix_task_fingerprints_project_id', table_name='task_fingerprints')
    op.drop_table('task_fingerprints')
    op.drop_index('ix_duplicate_members_project_id_task_id', table_name='duplicate_members')
    op.drop_table('duplicate_members')
    op.drop_index('ix_duplicate_clusters_project_id', table_name='duplicate_clusters')
    op.drop_table('duplicate_clusters')
