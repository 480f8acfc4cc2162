"""callbacks: a callback request is called back by an agent (click-to-call through Twilio):
who is calling it now and Twilio's call to their softphone, how many times the citizen did
not answer and when last, and how it ended (answered, unreachable)

Revision ID: 0018_callbacks
Revises: 0017_figures
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_callbacks'
down_revision = '0017_figures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('callback_requests') as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('agent_call_sid', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key('fk_callback_requests_agent_id_users', 'users',
                                    ['agent_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('callback_requests') as batch_op:
        batch_op.drop_constraint('fk_callback_requests_agent_id_users', type_='foreignkey')
        for column in ('agent_call_sid', 'taken_at', 'agent_id', 'outcome', 'last_attempt_at',
                       'attempts'):
            batch_op.drop_column(column)
