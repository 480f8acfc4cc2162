"""cases: the description recording's transcript, the machine's draft and an agent's correction

Revision ID: 0005_casetranscripts
Revises: 0004_jobs
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_casetranscripts'
down_revision = '0004_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_transcript', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_language', sa.String(length=8),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_confidence', sa.Float(),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_model', sa.String(length=128),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcribed_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_correction', sa.Text(),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_corrected_by_id', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('recording_transcript_corrected_at',
                                      sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_cases_recording_transcript_corrected_by_id_users',
                                    'users', ['recording_transcript_corrected_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_recording_transcript_corrected_by_id_users',
                                 type_='foreignkey')
        batch_op.drop_column('recording_transcript_corrected_at')
        batch_op.drop_column('recording_transcript_corrected_by_id')
        batch_op.drop_column('recording_transcript_correction')
        batch_op.drop_column('recording_transcribed_at')
        batch_op.drop_column('recording_transcript_model')
        batch_op.drop_column('recording_transcript_confidence')
        batch_op.drop_column('recording_transcript_language')
        batch_op.drop_column('recording_transcript')
