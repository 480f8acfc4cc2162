"""transcripts: the final segments of calls' live transcripts

Revision ID: 0007_transcripts
Revises: 0006_spokenchoices
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_transcripts'
down_revision = '0006_spokenchoices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transcript_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('start_seconds', sa.Float(), nullable=True),
    sa.Column('end_seconds', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'seq', name='uq_transcript_segments_call_seq')
    )


def downgrade():
    op.drop_table('transcript_segments')
