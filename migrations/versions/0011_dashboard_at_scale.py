"""the dashboard at scale: requests and mentorships keep the mentee's region, and
check-ins are indexed by date

The dashboard's figures by region joined every request and mentorship to users; at
100,000 mentors that join was most of the page's time. Existing rows take the
mentee's region of today, the best there is. Its check-in figures read the period's
check-ins only, from an index that holds what it reads.

Revision ID: 0011_dashboard_at_scale
Revises: 0010_search_vectors
Create Date: 2026-12-04 21:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011_dashboard_at_scale'
down_revision = '0010_search_vectors'
branch_labels = None
depends_on = None

TABLES = ('mentorship_requests', 'mentorships')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('mentee_region', sa.String(length=32), nullable=True))
        op.execute(f"UPDATE {table} SET mentee_region = "
                   f"(SELECT region FROM users WHERE users.id = {table}.mentee_id)")
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_check_ins_held_on', ['held_on', 'mentorship_id', 'minutes'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_held_on')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('mentee_region')
