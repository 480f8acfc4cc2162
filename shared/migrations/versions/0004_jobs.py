"""jobs: leases, bounded retries and waits; SMS sent once per event

Revision ID: 0004_jobs
Revises: 0003_open311
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_jobs'
down_revision = '0003_open311'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
    # Jobs left running by the previous version: their claim expires at once. Their
    # attempts were capped at 8 (11 minutes); the retry window now bounds them.
    op.execute("UPDATE jobs SET lease_expires_at = run_after WHERE state = 'running'")
    op.execute("UPDATE jobs SET max_attempts = 50 WHERE max_attempts = 8")

    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=128), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_sid', sa.String(length=34), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_key')
    )


def downgrade():
    op.drop_table('sms_messages')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
        batch_op.drop_column('failing_since')
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('lease_token')
