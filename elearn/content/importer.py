"""Publish course folders as new immutable course versions.

All or nothing: every course under PATH is validated and rendered before the database is
touched, and all rows are written in the caller's one transaction (we flush, the caller
commits).  Importing unchanged files publishes nothing.  Activity keys (the stable part of
xAPI activity IRIs) carry over from earlier versions while an item's meaning is unchanged,
so a Learning Record Store never sees two different questions under one IRI.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.content.build import CourseBuild, UnitBuild, answer_key, build_course, digest
from elearn.content.loader import load_courses
from elearn.content.media import MediaStore
from elearn.content.problems import Problem
from elearn.models import Course, CourseVersion, Question, ReflectionTask, Unit


class ImportProblems(Exception):
    """The files break rules; nothing was imported.  ``problems`` are sorted."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems in course files")
        self.problems = problems


@dataclass
class ImportResult:
    """What an import did to one course."""

    slug: str
    published: bool
    version: int
    units: int
    changed: list[str] = field(default_factory=list)  # unit ids new or changed; "course"
    removed: list[str] = field(default_factory=list)  # unit ids no longer in the course

    def __str__(self) -> str:
        if not self.published:
            return f"{self.slug}: unchanged (version {self.version})"
        details = [f"{self.units} units"]
        if self.version > 1:
            details.append("changed: " + (", ".join(self.changed) or "nothing"))
            if self.removed:
                details.append("removed: " + ", ".join(self.removed))
        return f"published {self.slug} version {self.version} ({'; '.join(details)})"


def _default_media_dir() -> Path:
    try:
        from flask import current_app
        return Path(current_app.config["COURSE_MEDIA_PATH"])
    except (RuntimeError, KeyError):
        from elearn import PROJECT_ROOT
        return PROJECT_ROOT / "instance" / "course-media"


def import_courses(session: Session, path: str | os.PathLike[str], published_by: str = "",
                   media_dir: str | os.PathLike[str] | None = None) -> list[ImportResult]:
    """Validate every course under ``path`` and publish those that changed.

    Raises :class:`ImportProblems` (having written nothing) when any file breaks a rule.
    Flushes; the caller commits.
    """
    courses, problems = load_courses(path)
    if problems:
        raise ImportProblems(problems)
    media = MediaStore(media_dir if media_dir is not None else _default_media_dir())
    builds = [build_course(course, media) for course in courses]
    return [_publish(session, build, published_by) for build in builds]


def _latest(session: Session, course: Course) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id)
                          .order_by(CourseVersion.number.desc()).limit(1))


class _History:
    """Activity keys used by earlier versions of one course (none for a new course)."""

    def __init__(self, session: Session, course: Course | None):
        self.units: dict[str, str] = {}
        self.questions: dict[tuple[str, str, str], str] = {}
        self.question_keys: set[tuple[str, str]] = set()
        if course is None or course.id is None:
            return
        rows = session.execute(
            select(Unit.unit_key, Unit.activity_key, Question.question_key, Question.data,
                   Question.activity_key)
            .join(CourseVersion, Unit.version_id == CourseVersion.id)
            .outerjoin(Question, Question.unit_id == Unit.id)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number))
        for unit_key, unit_activity, question_key, data, question_activity in rows:
            self.units[unit_key] = unit_activity  # newest version wins (ordered by number)
            if question_key is not None:
                self.questions[(unit_key, question_key, answer_key(data))] = question_activity
                self.question_keys.add((unit_key, question_key))

    def question_key(self, unit_key: str, unit_activity: str, question_key: str,
                     meaning: str, version: int) -> str:
        known = self.questions.get((unit_key, question_key, meaning))
        if known is not None:
            return known
        base = f"{unit_activity}/quiz/{question_key}"
        if (unit_key, question_key) in self.question_keys:
            return f"{base}~v{version}"  # same id, new meaning: a new activity
        return base


@dataclass
class PlannedKeys:
    """The activity keys a build would get if it were published now: per unit key, the
    unit's activity key and its questions' (question key -> activity key)."""

    number: int
    units: dict[str, str] = field(default_factory=dict)
    questions: dict[str, dict[str, str]] = field(default_factory=dict)


def planned_activity_keys(session: Session, build: CourseBuild) -> PlannedKeys:
    """What :func:`import_courses` would assign to ``build``'s units and questions, by the
    same rules, without writing anything (for a diff before publishing)."""
    course = session.scalar(select(Course).where(Course.slug == build.slug))
    latest = _latest(session, course) if course is not None else None
    number = latest.number + 1 if latest is not None else 1
    history = _History(session, course)
    planned = PlannedKeys(number)
    for unit in build.units:
        activity = history.units.get(unit.key, unit.key)
        planned.units[unit.key] = activity
        planned.questions[unit.key] = {
            question.key: history.question_key(unit.key, activity, question.key,
                                               answer_key(question.data), number)
            for question in unit.questions}
    return planned


def _course_fields_of(version: CourseVersion) -> dict:
    return {"title": version.title, "description": version.description,
            "mastery_score": version.mastery_score, "sources": version.sources,
            "units": [unit.unit_key for unit in version.units]}


def _publish(session: Session, build: CourseBuild, published_by: str) -> ImportResult:
    course = session.scalar(select(Course).where(Course.slug == build.slug))
    if course is None:
        course = Course(slug=build.slug)
        session.add(course)
        session.flush()
    latest = _latest(session, course)
    content_hash = build.content_hash
    if latest is not None and latest.content_hash == content_hash:
        return ImportResult(build.slug, False, latest.number, len(latest.units))
    number = latest.number + 1 if latest is not None else 1
    history = _History(session, course)
    version = CourseVersion(course=course, number=number, content_hash=content_hash,
                            title=build.title, description=build.description,
                            mastery_score=build.mastery_score, sources=build.sources,
                            published_by=published_by[:150])
    session.add(version)
    for position, unit_build in enumerate(build.units, start=1):
        _add_unit(session, version, unit_build, position, history)
    session.flush()
    result = ImportResult(build.slug, True, number, len(build.units))
    if latest is not None:
        before = {unit.unit_key: unit.content_hash for unit in latest.units}
        if digest(_course_fields_of(latest)) != digest(build.course_fields()):
            result.changed.append("course")
        result.changed.extend(unit.key for unit in build.units
                              if before.get(unit.key) != unit.content_hash)
        keys = {unit.key for unit in build.units}
        result.removed = [key for key in before if key not in keys]
    return result


def _add_unit(session: Session, version: CourseVersion, build: UnitBuild, position: int,
              history: _History) -> None:
    activity = history.units.get(build.key, build.key)
    unit = Unit(version=version, unit_key=build.key, activity_key=activity, position=position,
                title=build.title, objectives=build.objectives, sources=build.sources,
                estimated_minutes=build.estimated_minutes, content_html=build.content_html,
                content_hash=build.content_hash, quiz_activity_key=f"{activity}/quiz",
                pass_mark=build.pass_mark, max_attempts=build.max_attempts,
                draw_count=build.draw_count)
    session.add(unit)
    for index, question in enumerate(build.questions, start=1):
        key = history.question_key(build.key, activity, question.key,
                                   answer_key(question.data), version.number)
        session.add(Question(unit=unit, question_key=question.key, activity_key=key,
                             position=index, type=question.type, points=question.points,
                             data=question.data))
    for index, reflection in enumerate(build.reflections, start=1):
        session.add(ReflectionTask(unit=unit, task_key=reflection.key,
                                   activity_key=f"{activity}/reflection/{reflection.key}",
                                   position=index, prompt=reflection.prompt,
                                   min_length=reflection.min_length))
