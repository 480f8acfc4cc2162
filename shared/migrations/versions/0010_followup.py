"""followup: the access log of look-ups of personal data, and the wrap-up of a call

Revision ID: 0010_followup
Revises: 0009_claims
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_followup'
down_revision = '0009_claims'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('query_hash', sa.String(length=64), nullable=True),
        sa.Column('matches', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_access_log_user_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_access_log_case_id_cases',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_access_log_case_id', 'access_log', ['case_id'])
    op.create_index('ix_access_log_at', 'access_log', ['at'])
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('disposition', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('wrapup_notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('wrapped_up_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('wrapped_up_at')
        batch_op.drop_column('wrapup_notes')
        batch_op.drop_column('disposition')
    op.drop_index('ix_access_log_at', table_name='access_log')
    op.drop_index('ix_access_log_case_id', table_name='access_log')
    op.drop_table('access_log')
