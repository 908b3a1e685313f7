"""Session generation per account, accounts without a password, device-aware login failures

``users.session_generation`` is raised to end every session of an account (logout,
erasure).  ``users.password_hash`` may be empty for accounts that sign in through the LMS or
set their password through a link.  ``login_failures.device`` separates failures from a
browser that signed in as the account before, and ``ix_login_failures_at`` serves pruning.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255),
                              nullable=True)
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.create_index('ix_login_failures_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_at')
        batch_op.drop_column('device')
    op.execute("UPDATE users SET password_hash = '' WHERE password_hash IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255),
                              nullable=False)
        batch_op.drop_column('session_generation')
