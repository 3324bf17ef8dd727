"""Suggestion outcomes: whether an annotation accepted the model suggestion shown with its task

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('suggestion_outcomes',
    sa.Column('annotation_id', big_id, autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('prediction_id', big_id, nullable=True),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'], name=op.f('fk_suggestion_outcomes_annotation_id_annotations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prediction_id'], ['predictions.id'], name=op.f('fk_suggestion_outcomes_prediction_id_predictions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_suggestion_outcomes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('annotation_id', name=op.f('pk_suggestion_outcomes'))
    )
    op.create_index('ix_suggestion_outcomes_project_id_model_version', 'suggestion_outcomes', ['project_id', 'model_version'])


def downgrade() -> None:
    op.drop_index('ix_suggestion_outcomes_project_id_model_version', table_name='suggestion_outcomes')
    op.drop_table('suggestion_outcomes')
