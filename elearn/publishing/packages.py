"""Finding and keeping the package (zip) behind each published version.

A version is matched to its package by the importer's content hash, so it does not matter
whether it was published from the browser or by ``elearn courses import``: the command keeps
the package of each course folder it imports (also when the files are unchanged, so a
version imported before packages were kept gets its package at the next import).
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.content.importer import ImportResult
from elearn.content.loader import find_course_dirs
from elearn.models import Course, CourseVersion
from elearn.publishing.drafts import store_package
from elearn.publishing.models import CoursePackage
from elearn.publishing.package import Package


def package_of_version(session: Session, version: CourseVersion) -> CoursePackage | None:
    return session.scalar(select(CoursePackage).where(
        CoursePackage.slug == version.course.slug,
        CoursePackage.content_hash == version.content_hash))


def keep_imported_packages(session: Session, path: str | os.PathLike[str],
                           results: list[ImportResult]) -> None:
    """After ``elearn courses import PATH``: keep each imported course folder's package under
    the content hash of the version it now is (flushes; the caller commits)."""
    folders = {folder.resolve().name: folder for folder in find_course_dirs(path)}
    for result in results:
        folder = folders.get(result.slug)
        version = session.scalar(select(CourseVersion).join(Course)
                                 .where(Course.slug == result.slug,
                                        CourseVersion.number == result.version))
        if folder is None or version is None:
            continue
        package = Package.from_folder(Path(folder).resolve())
        store_package(session, package, version.content_hash)


__all__ = ["keep_imported_packages", "package_of_version"]
