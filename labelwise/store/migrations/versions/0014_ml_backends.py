"""ML backends: HTTP models (our protocol or Label Studio's) attached to a project

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ml_backends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('auth_header', sa.String(length=2000), nullable=True),
    sa.Column('timeout_seconds', sa.Float(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('label_config', sa.Text(), nullable=True),
    sa.Column('model_version', sa.String(length=200), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_ml_backends_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ml_backends')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_ml_backends_project_id_name'))
    )
    with op.batch_alter_table('ml_backends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ml_backends_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ml_backends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ml_backends_project_id'))
    op.drop_table('ml_backends')
