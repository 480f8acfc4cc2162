"""worklist: the work list and the board at a million cases: a stored legal date to order
by (cases.due_on), a flag for the voicemails still to write down (cases.description_pending),
their indexes, calls by case; on PostgreSQL trigram indexes for the work list's search

Revision ID: 0018_worklist
Revises: 0017_figures
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_worklist'
down_revision = '0017_figures'
branch_labels = None
depends_on = None

# What the work list searches, as shared/models.py case_text() writes it (the planner
# uses the index only for this very expression; alembic compares the two on PostgreSQL).
CASE_TEXT = ("lower(coalesce(subject, '') || ' ' || coalesce(description, '') || ' ' || "
             "coalesce(transcript, '') || ' ' || coalesce(recording_transcript, '') || ' ' || "
             "coalesce(recording_transcript_correction, '') || ' ' || reference)")
# shared/states.py working_due_on, in SQL, for the cases already there.
DUE_ON = ("CASE WHEN status IN ('received', 'reopened') THEN transmit_due_on "
          "WHEN status IN ('transmitted', 'in_progress') THEN reply_due_on END")


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('description_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(f"UPDATE cases SET due_on = {DUE_ON}")
    op.execute("UPDATE cases SET description_pending = "
               + ("true" if op.get_bind().dialect.name == 'postgresql' else "1")
               + " WHERE CAST(pending_fields AS TEXT) LIKE '%\"description\"%'")
    op.create_index('ix_cases_admin_due', 'cases',
                    ['administration_id', 'due_on', sa.text('filed_at DESC'), 'id'])
    op.create_index('ix_cases_description_pending', 'cases', ['filed_at'],
                    postgresql_where=sa.text('description_pending'),
                    sqlite_where=sa.text('description_pending = 1'))
    op.create_index('ix_calls_case_id', 'calls', ['case_id'])
    if op.get_bind().dialect.name == 'postgresql':
        trigram_indexes()


def trigram_indexes():
    """pg_trgm's GIN indexes serve LIKE '%word%' (SQLite keeps scanning: a small database).
    The extension lives in one schema of the database: its operator class is named with it,
    so a schema of its own (the tests', the bench's) finds it too."""
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema = op.get_bind().exec_driver_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    ).scalar()
    op.execute(f"CREATE INDEX ix_cases_text_trgm ON cases USING gin ({CASE_TEXT} "
               f"{schema}.gin_trgm_ops)")
    op.execute("CREATE INDEX ix_transcript_segments_text_trgm ON transcript_segments "
               f"USING gin (lower(text) {schema}.gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_transcript_segments_text_trgm")
        op.execute("DROP INDEX ix_cases_text_trgm")  # the extension stays: others may use it
    op.drop_index('ix_calls_case_id', table_name='calls')
    op.drop_index('ix_cases_description_pending', table_name='cases')
    op.drop_index('ix_cases_admin_due', table_name='cases')
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('description_pending')
        batch_op.drop_column('due_on')
