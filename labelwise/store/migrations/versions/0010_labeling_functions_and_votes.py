"""labeling functions and their votes (weak supervision, new tables only)

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('labeling_functions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('control', sa.String(length=200), nullable=False),
    sa.Column('definition', json_type, nullable=False),
    sa.Column('definition_hash', sa.String(length=64), nullable=False),
    sa.Column('votes_hash', sa.String(length=64), nullable=True),
    sa.Column('votes_max_task_id', big_id, nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_labeling_functions_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_labeling_functions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labeling_functions')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_labeling_functions_project_id_name'))
    )
    op.create_table('labeling_function_votes',
    sa.Column('function_id', sa.Integer(), nullable=False),
    sa.Column('task_id', big_id, nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['function_id'], ['labeling_functions.id'], name=op.f('fk_labeling_function_votes_function_id_labeling_functions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_labeling_function_votes_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('function_id', 'task_id', name=op.f('pk_labeling_function_votes'))
    )
    op.create_index('ix_labeling_function_votes_task_id', 'labeling_function_votes', ['task_id'])


def downgrade() -> None:
    op.drop_index('ix_labeling_function_votes_task_id', table_name='labeling_function_votes')
    op.drop_table('labeling_function_votes')
    op.drop_table('labeling_functions')
