"""users can delete their account: the moment it happened

Revision ID: 0007_account_deletion
Revises: 0006_program_stories
Create Date: 2026-11-23 04:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007_account_deletion'
down_revision = '0006_program_stories'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
