"""reps invite mentors from outside the company

Revision ID: 0009_invitations
Revises: 0008_listing_search
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009_invitations'
down_revision = '0008_listing_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inviter_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invitee_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("language IN ('en', 'it')", name=op.f('ck_invitations_language')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_invitations_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitee_id'], ['users.id'], name=op.f('fk_invitations_invitee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['inviter_id'], ['users.id'], name=op.f('fk_invitations_inviter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_email', ['email'], unique=False)
        batch_op.create_index('ix_invitations_invitee', ['invitee_id'], unique=False)
        batch_op.create_index('ix_invitations_inviter_created', ['inviter_id', 'created_at'], unique=False)

    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mentorship_requests_invitation_id_invitations'), 'invitations', ['invitation_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_mentorship_requests_invitation', ['invitation_id'], unique=False)

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_open_invitations', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint('max_open_invitations', 'max_open_invitations BETWEEN 1 AND 10')



def downgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_program_settings_max_open_invitations'), type_='check')
        batch_op.drop_column('max_open_invitations')

    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorship_requests_invitation')
        batch_op.drop_constraint(batch_op.f('fk_mentorship_requests_invitation_id_invitations'), type_='foreignkey')
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_inviter_created')
        batch_op.drop_index('ix_invitations_invitee')
        batch_op.drop_index('ix_invitations_email')

    op.drop_table('invitations')
