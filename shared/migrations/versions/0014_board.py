"""board: the post-call survey's answer on each call (1 to 5), and when it was given

Revision ID: 0014_board
Revises: 0010_followup
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_board'
down_revision = '0010_followup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('survey_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('surveyed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('surveyed_at')
        batch_op.drop_column('survey_rating')
