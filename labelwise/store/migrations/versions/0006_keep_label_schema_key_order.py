"""keep the label schema's key order on PostgreSQL (json, not jsonb)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE projects ALTER COLUMN label_schema TYPE json USING label_schema::json')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE projects ALTER COLUMN label_schema TYPE jsonb USING label_schema::jsonb')
