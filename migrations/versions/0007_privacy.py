"""Privacy: erasures, the accountability audit log and accessibility feedback

New tables only; nothing existing changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:58:24.537064
"""
from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accessibility_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('page', sa.String(length=500), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_accessibility_feedback_answered_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_accessibility_feedback_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_feedback'))
    )
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accessibility_feedback_received_at'), ['received_at'], unique=False)

    op.create_table('privacy_audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=50), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_privacy_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_privacy_audit_events_subject_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_audit_events'))
    )
    with op.batch_alter_table('privacy_audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_privacy_audit_events_at', ['at'], unique=False)

    op.create_table('privacy_erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username_digest', sa.String(length=64), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_via', sa.String(length=20), nullable=False),
    sa.Column('started_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_privacy_erasures_requested_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_erasures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erasures')),
    sa.UniqueConstraint('user_id', name=op.f('uq_privacy_erasures_user_id'))
    )
    with op.batch_alter_table('privacy_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_erasures_username_digest'), ['username_digest'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('privacy_erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erasures_username_digest'))

    op.drop_table('privacy_erasures')
    with op.batch_alter_table('privacy_audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_audit_events_at')
        batch_op.drop_index(batch_op.f('ix_privacy_audit_events_action'))

    op.drop_table('privacy_audit_events')
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accessibility_feedback_received_at'))

    op.drop_table('accessibility_feedback')
