"""Uploading a course package: check the zip, validate the course, keep a draft.

The order is what keeps a bad upload harmless: the zip is checked entry by entry in memory
(:mod:`elearn.publishing.package`), the files are laid out in a private temporary folder and
read by the same loader and validator as ``elearn courses validate``, and only a course
without problems is rendered and stored.  A refused or invalid upload writes nothing.

Rendering copies the course's images into the content-addressed media store, as a preview of
course files on the server does; those files are named by their hash and referenced by no
published page until the draft is published.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.content.build import CourseBuild, build_course
from elearn.content.loader import load_course
from elearn.content.media import MediaStore
from elearn.content.problems import Problem
from elearn.publishing.builds import BUILDS, build_from_data, build_to_data
from elearn.publishing.models import CourseDraft, CoursePackage
from elearn.publishing.package import Limits, Package, read_package


@dataclass
class UploadResult:
    """Either a new ``draft`` or the ``problems`` (``path:line: message``) that stop it."""

    draft: CourseDraft | None = None
    problems: list[str] = field(default_factory=list)


def _shown(problem: Problem, root: Path) -> str:
    """The problem with its path inside the zip (``<slug>/units/...``)."""
    relative = os.path.relpath(problem.path, root)
    return f"{Path(relative).as_posix()}:{problem.line}: {problem.message}"


def validate_package(package: Package, media_dir: str | os.PathLike[str]) \
        -> tuple[CourseBuild | None, list[str]]:
    """Load and validate the package's course like ``elearn courses validate``; render it
    when valid."""
    with tempfile.TemporaryDirectory(prefix="elearn-upload-") as temporary:
        root = Path(temporary)
        folder = package.write_to(root)
        course, problems = load_course(folder)
        if problems:
            return None, [_shown(problem, root) for problem in problems]
        return build_course(course, MediaStore(media_dir)), []


def store_package(session: Session, package: Package, content_hash: str) -> CoursePackage:
    """The stored package for (slug, content hash), added when there is none."""
    query = select(CoursePackage).where(CoursePackage.slug == package.slug,
                                        CoursePackage.content_hash == content_hash)
    stored = session.scalar(query)
    if stored is None:
        data = package.to_zip()
        stored = CoursePackage(slug=package.slug, content_hash=content_hash, size=len(data),
                               data=data)
        try:
            with session.begin_nested():  # the same files uploaded twice at once: keep one
                session.add(stored)
        except IntegrityError:
            stored = session.scalar(query)
    return stored


def upload(session: Session, data: bytes, *, uploaded_by_id: int | None, limits: Limits,
           media_dir: str | os.PathLike[str]) -> UploadResult:
    """Check, validate and store the zip ``data`` as a draft (flushes; the caller commits).

    Raises :class:`~elearn.publishing.package.PackageRefused` for a zip that cannot be
    used; returns the problems of a course that breaks the format's rules."""
    package = read_package(data, limits)
    build, problems = validate_package(package, media_dir)
    if build is None:
        return UploadResult(problems=problems)
    content_hash = build.content_hash
    stored = store_package(session, package, content_hash)
    draft = CourseDraft(slug=build.slug, package=stored, content_hash=content_hash,
                        title=build.title, build=build_to_data(build),
                        uploaded_by_id=uploaded_by_id)
    session.add(draft)
    session.flush()
    return UploadResult(draft=draft)


def discard(session: Session, draft: CourseDraft) -> None:
    """Delete an unpublished draft, and its package when nothing else uses it (no other
    draft, no version with its content hash).  Flushes; the caller commits."""
    from elearn.models import Course, CourseVersion

    if draft.published_version_id is not None:
        raise ValueError("a published draft is the record of its version; it stays")
    package = draft.package
    session.delete(draft)
    session.flush()
    shared = session.scalar(select(CourseDraft.id).where(CourseDraft.package_id == package.id)
                            .limit(1))
    published = session.scalar(
        select(CourseVersion.id).join(Course, Course.id == CourseVersion.course_id)
        .where(Course.slug == package.slug, CourseVersion.content_hash == package.content_hash)
        .limit(1))
    if shared is None and published is None:
        session.delete(package)
        session.flush()


def draft_build(draft: CourseDraft) -> CourseBuild:
    """The draft's build (read and parsed once per process: drafts never change)."""
    return BUILDS.get(("draft", draft.id, draft.content_hash),
                      lambda: build_from_data(draft.build))


def drafts(session: Session) -> list[CourseDraft]:
    """Every draft, newest first."""
    return list(session.scalars(select(CourseDraft).order_by(CourseDraft.uploaded_at.desc(),
                                                             CourseDraft.id.desc())))


__all__ = ["UploadResult", "discard", "draft_build", "drafts", "store_package", "upload",
           "validate_package"]
