"""mentor profiles, revisions, reviews, focus areas and program settings

Revision ID: 0002_mentor_profiles
Revises: 0001_accounts
Create Date: 2026-11-23 00:56:57.877326

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_mentor_profiles'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None

# As the program defined them when this migration was written (the app's own list may
# change later; a migration must not).
DEFAULT_AREAS = (
    ('Customer acquisition and retention', 'Acquisizione e fidelizzazione dei clienti'),
    ('Capability building', 'Sviluppo delle competenze'),
    ('Risk management', 'Gestione dei rischi'),
    ('Social media selling', 'Vendita tramite social media'),
    ('Global operations', 'Internazionalizzazione'),
    ('Prospecting', 'Ricerca di nuovi clienti'),
    ('Negotiation', 'Negoziazione'),
    ('Closing', 'Chiusura delle trattative'),
    ('Account management', 'Gestione dei clienti'),
    ('Sales leadership', 'Leadership commerciale'),
)


def upgrade():
    op.create_table('focus_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_it', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focus_areas')),
    sa.UniqueConstraint('name_en', name=op.f('uq_focus_areas_name_en')),
    sa.UniqueConstraint('name_it', name=op.f('uq_focus_areas_name_it'))
    )
    op.create_table('program_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('required_approvals', sa.Integer(), nullable=False),
    sa.Column('approval_months', sa.Integer(), nullable=False),
    sa.CheckConstraint('approval_months BETWEEN 1 AND 36', name=op.f('ck_program_settings_approval_months')),
    sa.CheckConstraint('id = 1', name=op.f('ck_program_settings_single_row')),
    sa.CheckConstraint('required_approvals BETWEEN 1 AND 3', name=op.f('ck_program_settings_required_approvals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_settings'))
    )
    op.create_table('mentor_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('years_experience', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=True),
    sa.Column('working_style', sa.Text(), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('monthly_hours', sa.Integer(), nullable=False),
    sa.Column('accepting', sa.Boolean(), nullable=False),
    sa.Column('published_revision_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspension_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'pending', 'approved', 'changes_requested', 'rejected', 'suspended')", name=op.f('ck_mentor_profiles_status')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 10', name=op.f('ck_mentor_profiles_capacity')),
    sa.CheckConstraint('monthly_hours BETWEEN 1 AND 40', name=op.f('ck_mentor_profiles_monthly_hours')),
    sa.CheckConstraint('years_experience BETWEEN 0 AND 60', name=op.f('ck_mentor_profiles_years')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentor_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_mentor_profiles_user_id'))
    )
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_profiles_approval_expires_at'), ['approval_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_profiles_region'), ['region'], unique=False)
        batch_op.create_index('ix_mentor_profiles_status_approved_at', ['status', 'approved_at'], unique=False)

    op.create_table('profile_formats',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=12), nullable=False),
    sa.CheckConstraint("format IN ('in_person', 'video', 'phone')", name=op.f('ck_profile_formats_format')),
    sa.ForeignKeyConstraint(['profile_id'], ['mentor_profiles.id'], name=op.f('fk_profile_formats_profile_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'format', name=op.f('pk_profile_formats'))
    )
    with op.batch_alter_table('profile_formats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_formats_format'), ['format'], unique=False)

    op.create_table('profile_languages',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['mentor_profiles.id'], name=op.f('fk_profile_languages_profile_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'code', name=op.f('pk_profile_languages'))
    )
    with op.batch_alter_table('profile_languages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_languages_code'), ['code'], unique=False)

    op.create_table('profile_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('headline_en', sa.String(length=160), nullable=True),
    sa.Column('headline_it', sa.String(length=160), nullable=True),
    sa.Column('bio_en', sa.Text(), nullable=True),
    sa.Column('bio_it', sa.Text(), nullable=True),
    sa.Column('affiliation', sa.String(length=8), nullable=False),
    sa.Column('company', sa.String(length=120), nullable=True),
    sa.Column('confidentiality', sa.Boolean(), nullable=False),
    sa.Column('conflicts', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("affiliation IN ('internal', 'external')", name=op.f('ck_profile_revisions_affiliation')),
    sa.CheckConstraint("status IN ('draft', 'pending', 'approved', 'changes_requested', 'rejected', 'superseded')", name=op.f('ck_profile_revisions_status')),
    sa.ForeignKeyConstraint(['profile_id'], ['mentor_profiles.id'], name=op.f('fk_profile_revisions_profile_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_revisions')),
    sa.UniqueConstraint('profile_id', 'number', name=op.f('uq_profile_revisions_profile_id'))
    )
    with op.batch_alter_table('profile_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_profile_revisions_status_submitted_at', ['status', 'submitted_at'], unique=False)
        batch_op.create_index('uq_profile_revisions_open', ['profile_id'], unique=True, sqlite_where=sa.text("status IN ('draft', 'pending')"), postgresql_where=sa.text("status IN ('draft', 'pending')"))

    op.create_table('profile_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approve', 'request_changes', 'reject')", name=op.f('ck_profile_reviews_decision')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_profile_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revision_id'], ['profile_revisions.id'], name=op.f('fk_profile_reviews_revision_id_profile_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_reviews')),
    sa.UniqueConstraint('revision_id', 'reviewer_id', name=op.f('uq_profile_reviews_revision_id'))
    )
    with op.batch_alter_table('profile_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_reviews_revision_id'), ['revision_id'], unique=False)

    op.create_table('revision_areas',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['focus_areas.id'], name=op.f('fk_revision_areas_area_id_focus_areas')),
    sa.ForeignKeyConstraint(['revision_id'], ['profile_revisions.id'], name=op.f('fk_revision_areas_revision_id_profile_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('revision_id', 'area_id', name=op.f('pk_revision_areas'))
    )
    with op.batch_alter_table('revision_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_areas_area_id'), ['area_id'], unique=False)

    # Profiles and revisions point at each other: this key can only come last.
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_mentor_profiles_published_revision_id_profile_revisions'),
            'profile_revisions', ['published_revision_id'], ['id'], ondelete='SET NULL')

    # The sales program's taxonomy and the default settings.
    areas = sa.table('focus_areas', sa.column('name_en', sa.String), sa.column('name_it', sa.String),
                     sa.column('position', sa.Integer))
    op.bulk_insert(areas, [
        {'name_en': name_en, 'name_it': name_it, 'position': position}
        for position, (name_en, name_it) in enumerate(DEFAULT_AREAS, start=1)
    ])
    settings = sa.table('program_settings', sa.column('id', sa.Integer),
                        sa.column('required_approvals', sa.Integer),
                        sa.column('approval_months', sa.Integer))
    op.bulk_insert(settings, [{'id': 1, 'required_approvals': 1, 'approval_months': 12}])



def downgrade():
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_mentor_profiles_published_revision_id_profile_revisions'),
            type_='foreignkey')
    with op.batch_alter_table('revision_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revision_areas_area_id'))

    op.drop_table('revision_areas')
    with op.batch_alter_table('profile_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_reviews_revision_id'))

    op.drop_table('profile_reviews')
    with op.batch_alter_table('profile_revisions', schema=None) as batch_op:
        batch_op.drop_index('uq_profile_revisions_open', sqlite_where=sa.text("status IN ('draft', 'pending')"), postgresql_where=sa.text("status IN ('draft', 'pending')"))
        batch_op.drop_index('ix_profile_revisions_status_submitted_at')

    op.drop_table('profile_revisions')
    with op.batch_alter_table('profile_languages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_languages_code'))

    op.drop_table('profile_languages')
    with op.batch_alter_table('profile_formats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_formats_format'))

    op.drop_table('profile_formats')
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_profiles_status_approved_at')
        batch_op.drop_index(batch_op.f('ix_mentor_profiles_region'))
        batch_op.drop_index(batch_op.f('ix_mentor_profiles_approval_expires_at'))

    op.drop_table('mentor_profiles')
    op.drop_table('program_settings')
    op.drop_table('focus_areas')
