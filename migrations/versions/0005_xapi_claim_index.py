"""xAPI deliveries: a partial index of pending rows in the claim's order

The delivery worker claims one destination's due pending rows, longest due first
(next_attempt_at, then id).  With the old index (destination, state, next_attempt_at) every
claim read and sorted the destination's whole due backlog to take its first batch;
``ix_xapi_deliveries_due`` (destination, next_attempt_at, id) WHERE state = 'pending' hands
the rows over in claim order and holds only the backlog, not the delivered history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 07:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_xapi_deliveries_due', 'xapi_deliveries',
                    ['destination', 'next_attempt_at', 'id'], unique=False,
                    sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))
    op.drop_index('ix_xapi_deliveries_destination_state_next', table_name='xapi_deliveries')


def downgrade() -> None:
    op.create_index('ix_xapi_deliveries_destination_state_next', 'xapi_deliveries',
                    ['destination', 'state', 'next_attempt_at'], unique=False)
    op.drop_index('ix_xapi_deliveries_due', table_name='xapi_deliveries')
