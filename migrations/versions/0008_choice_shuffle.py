"""Choices shown in a random order per attempt

``quiz_attempts.choice_orders`` keeps, for each drawn single- or multiple-choice question,
the order its choices are shown in.  Attempts started earlier keep NULL and show their
choices as written, as they always did.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice_orders', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('choice_orders')
