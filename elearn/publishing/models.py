"""What browser publishing stores: course packages (the zip of a course folder) and drafts.

A **draft** is an uploaded package that passed validation, kept with its rendered build so
the trainer can preview it and compare it with the published version.  Drafts live in their
own tables: no learner page, report or xAPI statement reads them, so an upload can never
change what learners see.  Publishing a draft runs the ordinary importer on its package and
records which version it became.

A **package** is stored once per course and content hash (the hash the importer gives a
version), so the zip behind any version — published from the browser or imported from
``courses/`` on the server — can be downloaded again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, utcnow


class CoursePackage(Base):
    """The files of one course folder as a deterministic zip (see elearn.publishing.package)."""

    __tablename__ = "publishing_packages"
    __table_args__ = (UniqueConstraint("slug", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes of the zip
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseDraft(Base):
    """A validated upload waiting to be published (or published: ``published_version_id``)."""

    __tablename__ = "publishing_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("publishing_packages.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, Any]] = mapped_column(JSON)  # the course title (language map)
    # the CourseBuild as plain data; read only when needed (lists show the title below)
    build: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id"), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    package: Mapped[CoursePackage] = relationship()


__all__ = ["CourseDraft", "CoursePackage"]
