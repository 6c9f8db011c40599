"""single sign-on: who each user is at the company's OpenID Connect provider

One row per (issuer, subject) pair, found on the first sign-in by the verified address
and then by the pair: a changed address at the provider still finds the same person,
and neither two accounts share a subject nor one account holds two at one provider.

Revision ID: 0015_sso
Revises: 0014_directory
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0015_sso'
down_revision = '0014_directory'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sso_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_sso_identities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identities')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sso_identities_issuer')),
        sa.UniqueConstraint('user_id', 'issuer', name=op.f('uq_sso_identities_user_id')),
    )


def downgrade():
    op.drop_table('sso_identities')
