"""figures: when a caller entered the agents' queue becomes a column of the call (it was a key
of its IVR answers, which the call figures parsed on every row); the cases' filing-date
index carries the columns the case figures count, so a year of them is read from the index
alone (it replaces ix_cases_filed_at); the calls get an index on their start

Revision ID: 0017_figures
Revises: 0016_admin
"""
import datetime as dt
import json

from alembic import op
import sqlalchemy as sa


revision = '0017_figures'
down_revision = '0016_admin'
branch_labels = None
depends_on = None

CASE_FIGURES = ['filed_at', 'administration_id', 'status', 'reopen_count', 'replied_at',
                'rating']
calls = sa.table('calls', sa.column('id'), sa.column('answers', sa.JSON()),
                 sa.column('queued_at', sa.DateTime(timezone=True)))


def _answers(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _move_queued_at_to_its_column():
    connection = op.get_bind()
    rows = connection.execute(sa.select(calls.c.id, calls.c.answers).where(
        sa.cast(calls.c.answers, sa.Text).like('%queued_at%'))).all()
    for call_id, value in rows:
        answers = _answers(value)
        stamp = answers.pop('queued_at', None)
        try:
            queued = dt.datetime.fromisoformat(stamp).astimezone(dt.timezone.utc) if stamp else None
        except (TypeError, ValueError):
            queued = None
        connection.execute(calls.update().where(calls.c.id == call_id)
                           .values(answers=answers, queued_at=queued))


def _move_queued_at_back_to_the_answers():
    connection = op.get_bind()
    rows = connection.execute(sa.select(calls.c.id, calls.c.answers, calls.c.queued_at)
                              .where(calls.c.queued_at.isnot(None))).all()
    for call_id, value, queued in rows:
        if queued.tzinfo is None:
            queued = queued.replace(tzinfo=dt.timezone.utc)
        connection.execute(calls.update().where(calls.c.id == call_id).values(
            answers={**_answers(value), 'queued_at': queued.isoformat()}))


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True))
    _move_queued_at_to_its_column()
    op.create_index('ix_calls_started_at', 'calls', ['started_at'])
    op.create_index('ix_cases_figures', 'cases', CASE_FIGURES)
    op.drop_index('ix_cases_filed_at', table_name='cases')


def downgrade():
    op.create_index('ix_cases_filed_at', 'cases', ['filed_at'])
    op.drop_index('ix_cases_figures', table_name='cases')
    op.drop_index('ix_calls_started_at', table_name='calls')
    _move_queued_at_back_to_the_answers()
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('queued_at')
