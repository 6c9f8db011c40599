"""what an outside probe found: one check-in per submission, folded audit refusals,
outbox mail without bodies once sent, notifications that name people through their
account

Check-ins get a fingerprint of what was written, unique per mentorship and author, so
a form sent twice records once (older check-ins keep none). Audit events get a count
and a key, so that repeated refusals fold into one row an hour. Outbox mail keeps
whom it is about, its kind, a stable Message-ID and when its link expires, and may
lose its bodies once sent. Notifications keep the person they name.

Revision ID: 0012_probe_findings
Revises: 0011_dashboard_at_scale
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012_probe_findings'
down_revision = '0011_dashboard_at_scale'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_check_ins_fingerprint',
                                          ['mentorship_id', 'author_id', 'fingerprint'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.add_column(sa.Column('fold_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_audit_events_fold_key', ['fold_key'])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_person_id_users', 'users',
                                    ['person_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('text', existing_type=sa.Text(), nullable=True)
        batch_op.create_foreign_key('fk_outbox_mails_about_user_id_users', 'users',
                                    ['about_user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_mails_about_user_id_users', type_='foreignkey')
    op.execute("UPDATE outbox_mails SET text = '' WHERE text IS NULL")
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.alter_column('text', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('expires_at')
        batch_op.drop_column('message_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('about_user_id')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_person_id_users', type_='foreignkey')
        batch_op.drop_column('person_id')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_events_fold_key', type_='unique')
        batch_op.drop_column('fold_key')
        batch_op.drop_column('count')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_constraint('uq_check_ins_fingerprint', type_='unique')
        batch_op.drop_column('fingerprint')
