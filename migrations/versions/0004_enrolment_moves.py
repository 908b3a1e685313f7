"""Enrolments moved to another course version: moved_to_id, moved_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both backends: SQLite accepts a nullable column with an inline
    # REFERENCES clause, so the enrolments table (referenced by every learning record) is
    # never rebuilt.
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE enrolments ADD COLUMN moved_to_id INTEGER "
                   "CONSTRAINT fk_enrolments_moved_to_id_enrolments REFERENCES enrolments (id)")
    else:
        op.add_column('enrolments', sa.Column('moved_to_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_enrolments_moved_to_id_enrolments'), 'enrolments',
                              'enrolments', ['moved_to_id'], ['id'])
    op.add_column('enrolments', sa.Column('moved_at', elearn.db.UTCDateTime(timezone=True),
                                          nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('moved_at')
        if op.get_context().dialect.name != "sqlite":
            batch_op.drop_constraint(batch_op.f('fk_enrolments_moved_to_id_enrolments'),
                                     type_='foreignkey')
        batch_op.drop_column('moved_to_id')
