"""audit browser: indexes for filtering by actor email and by IP address, newest first

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:00:00

"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_logs', schema=None) as batch_op:
        batch_op.create_index('ix_audit_logs_actor_email_seq', ['actor_email', 'seq'], unique=False)
        batch_op.create_index('ix_audit_logs_ip_seq', ['ip', 'seq'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_logs_ip_seq')
        batch_op.drop_index('ix_audit_logs_actor_email_seq')
