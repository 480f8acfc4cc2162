"""officers: answer templates per administration, a duplicate case's original

Revision ID: 0013_officers
Revises: 0015_ops
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_officers'
down_revision = '0015_ops'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'answer_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('administration_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=128), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'],
                                name='fk_answer_templates_administration_id_administrations',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_answer_templates_administration_id', 'answer_templates',
                    ['administration_id'])
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_cases_duplicate_of_id_cases', 'cases',
                                    ['duplicate_of_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint('fk_cases_duplicate_of_id_cases', type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')
    op.drop_index('ix_answer_templates_administration_id', table_name='answer_templates')
    op.drop_table('answer_templates')
