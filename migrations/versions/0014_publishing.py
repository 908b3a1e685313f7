"""Browser publishing: course packages and drafts

``publishing_packages`` keeps the zip of each course folder once per course and content hash
(the hash the importer gives a version), so any version can be downloaded; ``publishing_drafts``
holds validated uploads with their rendered build until they are published.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:14:42.004949
"""
from alembic import op
import sqlalchemy as sa
import elearn.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publishing_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishing_packages')),
    sa.UniqueConstraint('slug', 'content_hash', name=op.f('uq_publishing_packages_slug_content_hash'))
    )
    op.create_table('publishing_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('build', sa.JSON(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', elearn.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.Column('published_at', elearn.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['package_id'], ['publishing_packages.id'], name=op.f('fk_publishing_drafts_package_id_publishing_packages')),
    sa.ForeignKeyConstraint(['published_version_id'], ['course_versions.id'], name=op.f('fk_publishing_drafts_published_version_id_course_versions')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_publishing_drafts_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishing_drafts'))
    )
    with op.batch_alter_table('publishing_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publishing_drafts_slug'), ['slug'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('publishing_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publishing_drafts_slug'))

    op.drop_table('publishing_drafts')
    op.drop_table('publishing_packages')
