"""auto-labels: a task labeled by a model above a threshold meeting a target precision, kept apart from human labels

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('auto_labels',
    sa.Column('task_id', big_id, autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('control', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('verify', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_auto_labels_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_auto_labels_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_auto_labels'))
    )
    op.create_index('ix_auto_labels_project_id_verify', 'auto_labels', ['project_id', 'verify'])


def downgrade() -> None:
    op.drop_index('ix_auto_labels_project_id_verify', table_name='auto_labels')
    op.drop_table('auto_labels')
