"""callbacks: a callback request is called back by an agent (click-to-call through Twilio):
who is calling it now and Twilio's call to their softphone, how many times the citizen did
not answer and when last, and how it ended (answered, unreachable); the open requests
indexed (the agents' list and the board's count)

Revision ID: 0019_callbacks
Revises: 0018_worklist
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_callbacks'
down_revision = '0018_worklist'
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
    op.create_index('ix_callback_requests_open', 'callback_requests', ['requested_at'],
                    postgresql_where=sa.text('done_at IS NULL'),
                    sqlite_where=sa.text('done_at IS NULL'))


def downgrade():
    op.drop_index('ix_callback_requests_open', table_name='callback_requests')
    with op.batch_alter_table('callback_requests') as batch_op:
        batch_op.drop_constraint('fk_callback_requests_agent_id_users', type_='foreignkey')
        for column in ('agent_call_sid', 'taken_at', 'agent_id', 'outcome', 'last_attempt_at',
                       'attempts'):
            batch_op.drop_column(column)
