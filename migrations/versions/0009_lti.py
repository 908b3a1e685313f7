"""LTI 1.3 tool: platforms and deployments, the tool's keys, identities, resource and launch
links, and the one-time login states, nonces and landing hand-offs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00
"""
from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_jwk', sa.JSON(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_keys_kid'))
    )
    op.create_table('lti_platforms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('auth_login_url', sa.String(length=1000), nullable=False),
    sa.Column('token_url', sa.String(length=1000), nullable=False),
    sa.Column('jwks_url', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('registered_by', sa.String(length=20), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platforms')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platforms_issuer_client_id'))
    )
    op.create_table('lti_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_deployments_platform_id_lti_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
    sa.UniqueConstraint('platform_id', 'deployment_id', name=op.f('uq_lti_deployments_platform_id_deployment_id'))
    )
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_deployments_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=1000), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_handoffs_platform_id_lti_platforms')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_handoffs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_handoffs')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_lti_handoffs_token_hash'))
    )
    with op.batch_alter_table('lti_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_handoffs_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_handoffs_user_id'), ['user_id'], unique=False)

    op.create_table('lti_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_launch_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_identities_platform_id_lti_platforms')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_identities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_identities')),
    sa.UniqueConstraint('platform_id', 'sub', name=op.f('uq_lti_identities_platform_id_sub'))
    )
    with op.batch_alter_table('lti_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_identities_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_identities_user_id'), ['user_id'], unique=False)

    op.create_table('lti_login_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_login_states_platform_id_lti_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_login_states')),
    sa.UniqueConstraint('state', name=op.f('uq_lti_login_states_state'))
    )
    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_login_states_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=False),
    sa.Column('expires_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_nonces_platform_id_lti_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_nonces')),
    sa.UniqueConstraint('platform_id', 'nonce', name=op.f('uq_lti_nonces_platform_id_nonce'))
    )
    with op.batch_alter_table('lti_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_nonces_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=True),
    sa.Column('context_title', sa.String(length=500), nullable=True),
    sa.Column('course_slug', sa.String(length=100), nullable=False),
    sa.Column('unit_key', sa.String(length=100), nullable=True),
    sa.Column('lineitem_url', sa.String(length=1000), nullable=True),
    sa.Column('lineitems_url', sa.String(length=1000), nullable=True),
    sa.Column('ags_scopes', sa.JSON(), nullable=False),
    sa.Column('context_memberships_url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['lti_deployments.id'], name=op.f('fk_lti_resource_links_deployment_id_lti_deployments')),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_resource_links_platform_id_lti_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
    sa.UniqueConstraint('platform_id', 'deployment_id', 'resource_link_id', name=op.f('uq_lti_resource_links_platform_id_deployment_id_resource_link_id'))
    )
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_links_deployment_id'), ['deployment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_resource_links_platform_id'), ['platform_id'], unique=False)

    op.create_table('lti_launch_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('first_launched_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_launched_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_lti_launch_links_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_lti_launch_links_resource_link_id_lti_resource_links')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_launch_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_launch_links')),
    sa.UniqueConstraint('resource_link_id', 'enrolment_id', name=op.f('uq_lti_launch_links_resource_link_id_enrolment_id'))
    )
    with op.batch_alter_table('lti_launch_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_links_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_launch_links_resource_link_id'), ['resource_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_launch_links_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lti_launch_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_links_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_launch_links_resource_link_id'))
        batch_op.drop_index(batch_op.f('ix_lti_launch_links_enrolment_id'))

    op.drop_table('lti_launch_links')
    with op.batch_alter_table('lti_resource_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_platform_id'))
        batch_op.drop_index(batch_op.f('ix_lti_resource_links_deployment_id'))

    op.drop_table('lti_resource_links')
    with op.batch_alter_table('lti_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_nonces_platform_id'))

    op.drop_table('lti_nonces')
    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_login_states_platform_id'))

    op.drop_table('lti_login_states')
    with op.batch_alter_table('lti_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_identities_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_identities_platform_id'))

    op.drop_table('lti_identities')
    with op.batch_alter_table('lti_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_handoffs_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_handoffs_platform_id'))

    op.drop_table('lti_handoffs')
    with op.batch_alter_table('lti_deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_deployments_platform_id'))

    op.drop_table('lti_deployments')
    op.drop_table('lti_platforms')
    op.drop_table('lti_keys')
