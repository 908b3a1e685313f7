"""Rounds of quiz attempts

``unit_progress.round_started_at`` marks the start of a learner's current round of attempts
at a unit's quiz (a new round after the wait, or opened by a trainer); attempts submitted
before it no longer count against the limit.  Empty for everyone until then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:50:00
"""
import sqlalchemy as sa
from alembic import op

import elearn.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_started_at', elearn.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit_progress', schema=None) as batch_op:
        batch_op.drop_column('round_started_at')
