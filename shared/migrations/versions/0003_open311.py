"""Open311 API keys: scopes and an optional expiry

Revision ID: 0003_open311
Revises: 0002_ivrflow
Create Date: 2026-11-30 11:00:00

Keys made before scopes existed keep what they were made for: filing, and reading back
their own channel's requests (`file read_own`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_open311'
down_revision = '0002_ivrflow'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=64), nullable=False,
                                      server_default='file read_own'))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scope')
