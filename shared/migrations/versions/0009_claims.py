"""claims: which agent holds a call, since when

Revision ID: 0009_claims
Revises: 0008_console
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_claims'
down_revision = '0008_console'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_calls_agent_id_users', 'users', ['agent_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_calls_agent_id', ['agent_id'])


def downgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_index('ix_calls_agent_id')
        batch_op.drop_constraint('fk_calls_agent_id_users', type_='foreignkey')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('agent_id')
