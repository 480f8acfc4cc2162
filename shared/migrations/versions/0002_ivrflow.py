"""IVR flow hardening: per-case phone-check lockout, redirection to one of our
administrations, per-caller-number daily counters

Revision ID: 0002_ivrflow
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_ivrflow'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('caller_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('counter', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone', 'day', 'counter', name='uq_caller_counters_phone_day_counter')
    )
    with op.batch_alter_table('caller_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caller_counters_day'), ['day'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redirect_administration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('phone_check_failures', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('phone_check_locked_until', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key('fk_cases_redirect_administration_id_administrations',
                                    'administrations', ['redirect_administration_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_redirect_administration_id_administrations',
                                 type_='foreignkey')
        batch_op.drop_column('phone_check_locked_until')
        batch_op.drop_column('phone_check_failures')
        batch_op.drop_column('redirect_administration_id')

    with op.batch_alter_table('caller_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caller_counters_day'))

    op.drop_table('caller_counters')
