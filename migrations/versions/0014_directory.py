"""the company directory: uploaded organisation charts, kept from preview to apply

An admin's upload is stored (its bytes and their SHA-256) so that the apply step, a
later request possibly served by another instance, applies exactly the previewed file,
once. No change to `users` (0013 added `in_directory`).

Revision ID: 0014_directory
Revises: 0013_organisation
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014_directory'
down_revision = '0013_organisation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'directory_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('deactivate_missing', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('applied_by_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'],
                                name=op.f('fk_directory_imports_applied_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_directory_imports_uploaded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_imports')),
    )


def downgrade():
    op.drop_table('directory_imports')
