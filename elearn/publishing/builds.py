"""One shape for "a course as learners would get it", whether a draft or a published version.

The importer turns a course folder into a :class:`~elearn.content.build.CourseBuild` and
stores it as version rows.  A draft keeps its build as plain JSON; a published version's
rows are read back into a build here, so preview pages and the diff work on one shape and
an unchanged round trip can be recognised by the importer's own content hash.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from elearn.content.build import CourseBuild, QuestionBuild, ReflectionBuild, UnitBuild
from elearn.models import Course, CourseVersion, Unit


def build_to_data(build: CourseBuild) -> dict[str, Any]:
    return asdict(build)


def build_from_data(data: dict[str, Any]) -> CourseBuild:
    units = []
    for raw in data["units"]:
        fields = dict(raw)
        fields["questions"] = [QuestionBuild(**q) for q in raw["questions"]]
        fields["reflections"] = [ReflectionBuild(**r) for r in raw["reflections"]]
        units.append(UnitBuild(**fields))
    fields = dict(data)
    fields["units"] = units
    return CourseBuild(**fields)


def version_build(version: CourseVersion) -> CourseBuild:
    """The build a published version was made from (its ``content_hash`` is the version's;
    unit folders are not stored, so each unit's key stands in for its folder)."""
    return CourseBuild(
        slug=version.course.slug, title=version.title, description=version.description,
        mastery_score=version.mastery_score, sources=version.sources,
        units=[UnitBuild(
            folder=unit.unit_key, key=unit.unit_key, title=unit.title,
            objectives=unit.objectives, sources=unit.sources,
            estimated_minutes=unit.estimated_minutes, content_html=unit.content_html,
            pass_mark=unit.pass_mark, max_attempts=unit.max_attempts,
            draw_count=unit.draw_count,
            questions=[QuestionBuild(key=q.question_key, type=q.type, points=q.points,
                                     data=q.data) for q in unit.questions],
            reflections=[ReflectionBuild(key=r.task_key, prompt=r.prompt,
                                         min_length=r.min_length)
                         for r in unit.reflection_tasks])
            for unit in version.units])


def find_version(session: Session, slug: str, number: int | None = None) -> CourseVersion | None:
    """Version ``number`` of course ``slug`` (the newest when ``number`` is None), with its
    units, questions and reflection tasks loaded in a fixed number of queries."""
    query = (select(CourseVersion).join(Course, Course.id == CourseVersion.course_id)
             .where(Course.slug == slug)
             .options(selectinload(CourseVersion.units).selectinload(Unit.questions),
                      selectinload(CourseVersion.units).selectinload(Unit.reflection_tasks)))
    if number is None:
        query = query.order_by(CourseVersion.number.desc()).limit(1)
    else:
        query = query.where(CourseVersion.number == number)
    return session.scalar(query)


class BuildCache:
    """The last few builds read, per process.  Drafts and versions never change once stored,
    so a build is keyed by what it is (``("draft", id, content_hash)``) and never goes
    stale; a preview page then renders one unit without reading and parsing the whole
    course again."""

    def __init__(self, size: int = 16):
        self.size = size
        self._builds: OrderedDict[tuple, CourseBuild] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, load: Callable[[], CourseBuild]) -> CourseBuild:
        with self._lock:
            if key in self._builds:
                self._builds.move_to_end(key)
                return self._builds[key]
        build = load()
        with self._lock:
            self._builds[key] = build
            while len(self._builds) > self.size:
                self._builds.popitem(last=False)
        return build


BUILDS = BuildCache()


def find_version_row(session: Session, slug: str, number: int) -> CourseVersion | None:
    """Version ``number`` of course ``slug`` without its units (see :func:`find_version`)."""
    return session.scalar(select(CourseVersion).join(Course, Course.id == CourseVersion.course_id)
                          .where(Course.slug == slug, CourseVersion.number == number))


def cached_version_build(session: Session, version: CourseVersion) -> CourseBuild:
    return BUILDS.get(("version", version.id, version.content_hash),
                      lambda: version_build(find_version(session, version.course.slug,
                                                         version.number)))


__all__ = ["BUILDS", "BuildCache", "build_from_data", "build_to_data", "cached_version_build",
           "find_version", "find_version_row", "version_build"]
