"""admin: console edits of administrations kept through data reloads, settings edited in
the console (the opening hours), and the log of the admins' changes

Revision ID: 0016_admin
Revises: 0013_officers
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_admin'
down_revision = '0013_officers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('administrations') as batch_op:
        batch_op.add_column(sa.Column('edited_in_console', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name='fk_settings_updated_by_id_users', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'admin_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('target', sa.String(length=128), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name='fk_admin_changes_user_id_users', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_admin_changes_at', 'admin_changes', ['at'])


def downgrade():
    op.drop_index('ix_admin_changes_at', table_name='admin_changes')
    op.drop_table('admin_changes')
    op.drop_table('settings')
    with op.batch_alter_table('administrations') as batch_op:
        batch_op.drop_column('edited_in_console')
