"""projects.has_webhooks: whether an active webhook listens, so events of other projects query nothing

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('projects') as batch:
        batch.add_column(sa.Column('has_webhooks', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.execute("UPDATE projects SET has_webhooks = true WHERE EXISTS "
               "(SELECT 1 FROM webhooks WHERE webhooks.project_id = projects.id AND webhooks.active = true)")


def downgrade() -> None:
    with op.batch_alter_table('projects') as batch:
        batch.drop_column('has_webhooks')
