"""ops: the access log's hash chain and changes, deadline alerts and console
notifications, users' e-mail addresses, pseudonymised cases

Revision ID: 0015_ops
Revises: 0014_board
"""
from alembic import op
import sqlalchemy as sa

from shared import audit_chain


revision = '0015_ops'
down_revision = '0014_board'
branch_labels = None
depends_on = None


def _chain_existing_rows():
    """Rows logged before the chain existed are chained in id order."""
    connection = op.get_bind()
    log = sa.table('access_log', sa.column('id'), sa.column('seq'),
                   sa.column('at', sa.DateTime(timezone=True)),
                   sa.column('actor'), sa.column('kind'), sa.column('case_id'),
                   sa.column('target'), sa.column('query_hash'), sa.column('matches'),
                   sa.column('detail'), sa.column('prev_hash'), sa.column('row_hash'))
    previous = audit_chain.GENESIS
    rows = connection.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        fields = {**row, 'seq': seq, 'detail': None, 'target': None}
        digest = audit_chain.row_hash(previous, fields)
        connection.execute(log.update().where(log.c.id == row['id']).values(
            seq=seq, prev_hash=previous, row_hash=digest))
        previous = digest


def upgrade():
    with op.batch_alter_table('access_log') as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('target', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table('access_log') as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_access_log_seq', ['seq'])
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        'deadline_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.String(length=32), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name='fk_deadline_alerts_case_id_cases', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'threshold', 'due_on',
                            name='uq_deadline_alerts_case_threshold_due'),
    )
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name='fk_notifications_user_id_users', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['alert_id'], ['deadline_alerts.id'],
                                name='fk_notifications_alert_id_deadline_alerts',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'alert_id', name='uq_notifications_user_alert'),
    )
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'])


def downgrade():
    op.drop_index('ix_notifications_user_read', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('deadline_alerts')
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_column('pseudonymised_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('access_log') as batch_op:
        batch_op.drop_constraint('uq_access_log_seq', type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('detail')
        batch_op.drop_column('target')
        batch_op.drop_column('seq')
