"""Versions of label schemas and guidelines; answers record the versions they were made under

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STAMPED = ('annotations', 'annotation_revisions', 'predictions', 'reviews')


def upgrade() -> None:
    for table in ('projects', *STAMPED):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('schema_version', sa.Integer(), server_default='1', nullable=False))
            batch.add_column(sa.Column('guidelines_version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('project_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label_schema', sa.JSON(), nullable=True),
    sa.Column('guidelines', sa.Text(), nullable=True),
    sa.Column('diff', sa.JSON(), nullable=False),
    sa.Column('migration', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_project_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_versions_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_versions')),
    sa.UniqueConstraint('project_id', 'kind', 'number', name=op.f('uq_project_versions_project_id_kind_number'))
    )
    # Every existing project starts at version 1 of both, as it is now; existing answers are stamped 1.
    for kind, column in (('schema', 'label_schema'), ('guidelines', 'guidelines')):
        op.execute(
            f"INSERT INTO project_versions (project_id, kind, number, {column}, diff, author_id, created_at) "
            f"SELECT id, '{kind}', 1, {column}, '[\"initial {kind}\"]', created_by, created_at FROM projects"
        )


def downgrade() -> None:
    op.drop_table('project_versions')
    for table in reversed(('projects', *STAMPED)):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('guidelines_version')
            batch.drop_column('schema_version')
