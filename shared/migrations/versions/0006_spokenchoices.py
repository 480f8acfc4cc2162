"""spoken choices: the call's media stream started once, and what its listener listens for

Revision ID: 0006_spokenchoices
Revises: 0005_casetranscripts
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_spokenchoices'
down_revision = '0005_casetranscripts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream_started_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('listening', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('listening')
        batch_op.drop_column('stream_started_at')
