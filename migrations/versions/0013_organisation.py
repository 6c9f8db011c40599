"""the organisation says who is inside: internal email domains, outside sign-ups,
the organisation's name, accounts awaiting approval, and people in the directory

Program settings gain the internal email domains, whether outside people may sign up
on their own, and the organisation's name in English and Italian. Users gain
"awaiting approval" (an outside sign-up) and "in the directory" (the directory owns
their name, manager, region and job title). Every existing account is kept as it is.

Revision ID: 0013_organisation
Revises: 0012_probe_findings
Create Date: 2026-12-06 23:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013_organisation'
down_revision = '0012_probe_findings'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: SQLite's batch mode would rebuild `users` and lose its
    # full-text triggers.
    op.add_column('program_settings', sa.Column('internal_domains', sa.Text(),
                                                server_default='', nullable=False))
    op.add_column('program_settings', sa.Column('outside_signups', sa.Boolean(),
                                                server_default=sa.false(), nullable=False))
    op.add_column('program_settings', sa.Column('organisation_name_en', sa.String(length=120),
                                                server_default='', nullable=False))
    op.add_column('program_settings', sa.Column('organisation_name_it', sa.String(length=120),
                                                server_default='', nullable=False))
    op.add_column('users', sa.Column('awaiting_approval', sa.Boolean(),
                                     server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('in_directory', sa.Boolean(),
                                     server_default=sa.false(), nullable=False))


def downgrade():
    for column in ('in_directory', 'awaiting_approval'):
        op.drop_column('users', column)
    for column in ('organisation_name_it', 'organisation_name_en', 'outside_signups',
                   'internal_domains'):
        op.drop_column('program_settings', column)
