"""Answer follow-ups: tasks whose consensus, dynamic overlap and gold standing wait for the catch-up

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('answer_followups',
    sa.Column('id', big_id, nullable=False),
    sa.Column('task_id', big_id, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_answer_followups_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_answer_followups_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_followups')),
    )
    op.create_index('ix_answer_followups_project_id_id', 'answer_followups', ['project_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_answer_followups_project_id_id', table_name='answer_followups')
    op.drop_table('answer_followups')
