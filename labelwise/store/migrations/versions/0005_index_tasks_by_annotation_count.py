"""index tasks by annotation count, for the data browser's status filters and sort

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tasks_project_id_annotation_count_id', 'tasks', ['project_id', 'annotation_count', 'id'])


def downgrade() -> None:
    op.drop_index('ix_tasks_project_id_annotation_count_id', table_name='tasks')
