"""console: agents' states, users' console language and session token

Revision ID: 0008_console
Revises: 0007_transcripts
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_console'
down_revision = '0007_transcripts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('console_language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    op.create_table('agent_states',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('available', 'paused', 'on_call', 'wrap_up', 'offline',
                               name='agentstatus', native_enum=False, length=32),
              nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wrapup_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade():
    op.drop_table('agent_states')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_token')
        batch_op.drop_column('console_language')
