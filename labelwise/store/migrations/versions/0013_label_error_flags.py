"""label-error flags from confident learning, one row per flagged task

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('label_error_flags',
    sa.Column('task_id', big_id, autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('control', sa.String(length=200), nullable=False),
    sa.Column('given', sa.String(length=200), nullable=False),
    sa.Column('suspected', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_label_error_flags_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_label_error_flags_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_label_error_flags'))
    )
    op.create_index('ix_label_error_flags_project_id_score', 'label_error_flags', ['project_id', 'score'])


def downgrade() -> None:
    op.drop_index('ix_label_error_flags_project_id_score', table_name='label_error_flags')
    op.drop_table('label_error_flags')
