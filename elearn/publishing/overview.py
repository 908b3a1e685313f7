"""The publishing index: every course with its published versions (newest first)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.models import Course, CourseVersion


@dataclass
class CourseVersions:
    slug: str
    versions: list[CourseVersion] = field(default_factory=list)  # newest first


def published_courses(session: Session) -> list[CourseVersions]:
    rows = session.execute(select(Course.slug, CourseVersion)
                           .join(CourseVersion, CourseVersion.course_id == Course.id)
                           .order_by(Course.slug, CourseVersion.number.desc()))
    courses: dict[str, CourseVersions] = {}
    for slug, version in rows:
        courses.setdefault(slug, CourseVersions(slug)).versions.append(version)
    return list(courses.values())


__all__ = ["CourseVersions", "published_courses"]
