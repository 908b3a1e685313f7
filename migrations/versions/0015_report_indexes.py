"""Indexes for the HR report and overview at scale

``ix_enrolments_enrolled_at`` serves the report's default order (a page reads only the rows
it shows) and the enrolment-date filters; ``ix_enrolments_completed_at`` the completion-date
filters and the completions per week; ``ix_users_organisation_unit`` the list of
organisation units in the filters and the overview's grouping.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:50:00.000000
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_enrolments_enrolled_at'), 'enrolments', ['enrolled_at'],
                    unique=False)
    op.create_index(op.f('ix_enrolments_completed_at'), 'enrolments', ['completed_at'],
                    unique=False)
    op.create_index(op.f('ix_users_organisation_unit'), 'users', ['organisation_unit'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_users_organisation_unit'), table_name='users')
    op.drop_index(op.f('ix_enrolments_completed_at'), table_name='enrolments')
    op.drop_index(op.f('ix_enrolments_enrolled_at'), table_name='enrolments')
