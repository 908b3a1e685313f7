"""Course preview for trainers: the files under ``ELEARN_COURSES_PATH`` rendered as learners
would see them, before anything is imported.

Only course folders found by listing the configured folder can be previewed (the URL names
one of them; nothing from the URL is ever joined onto a path), so no other file on the
server is reachable.  A course with problems is still shown: every problem appears as
``file:line: message`` beside the unit it belongs to, and units whose own files have no
problems are rendered anyway so the trainer sees the rest of the course.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elearn.content.build import UnitBuild, build_course, build_unit
from elearn.content.loader import LoadedUnit, find_course_dirs, load_course
from elearn.content.media import MediaStore
from elearn.content.problems import Problem
from elearn.models import Question
from elearn.services.quiz import present_question


@dataclass
class UnitPreview:
    folder: str
    build: UnitBuild | None
    problems: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CoursePreview:
    slug: str
    title: dict[str, str] | None
    course_problems: list[str]
    units: list[UnitPreview]

    @property
    def problem_count(self) -> int:
        return len(self.course_problems) + sum(len(u.problems) for u in self.units)


def course_folders(root: str) -> dict[str, Path]:
    """The previewable courses: folder name -> folder, found by listing ``root``."""
    return {folder.name: folder for folder in find_course_dirs(root)}


def _shown(problem: Problem, root: Path) -> str:
    """``file:line: message`` with the file relative to the courses folder's parent
    (``courses/<slug>/units/...``), as ``elearn courses validate courses/`` prints it."""
    try:
        relative = os.path.relpath(problem.path, root.parent)
    except ValueError:
        relative = problem.path
    return f"{relative}:{problem.line}: {problem.message}"


def _belongs_to(problem: Problem, unit: LoadedUnit) -> bool:
    return os.path.normpath(problem.path).startswith(os.path.normpath(unit.display_dir) + os.sep)


def present_unit(build: UnitBuild, language: str) -> list[dict[str, Any]]:
    """The unit's questions exactly as the quiz form presents them (shared with learner
    pages), built on unsaved Question objects."""
    questions = [Question(question_key=q.key, type=q.type, points=q.points, data=q.data,
                          position=position)
                 for position, q in enumerate(build.questions, start=1)]
    return [present_question(question, language) for question in questions]


def preview(root: str, slug: str, media_dir: str, language: str) -> CoursePreview | None:
    """Load, validate and render one course folder (``None`` if ``slug`` is not one)."""
    folder = course_folders(root).get(slug)
    if folder is None:
        return None
    root_path = Path(root).resolve()
    course, problems = load_course(os.fspath(folder.resolve()))
    media = MediaStore(media_dir)
    listed = course.units or [course.unit_folders[name] for name in sorted(course.unit_folders)]
    units: list[UnitPreview] = []
    if not problems:
        built = build_course(course, media)
        units = [UnitPreview(folder=u.folder, build=u, questions=present_unit(u, language))
                 for u in built.units]
        return CoursePreview(slug=slug, title=built.title, course_problems=[], units=units)
    claimed: set[Problem] = set()
    for unit in listed:
        own = [p for p in problems if _belongs_to(p, unit)]
        claimed.update(own)
        entry = UnitPreview(folder=unit.folder, build=None,
                            problems=[_shown(p, root_path) for p in own])
        if not own and unit.data is not None:
            entry.build = build_unit(course, unit, media)
            entry.questions = present_unit(entry.build, language)
        units.append(entry)
    data = course.data
    title = data.get("title") if data is not None else None
    return CoursePreview(
        slug=slug, title=dict(title) if isinstance(title, dict) else None,
        course_problems=[_shown(p, root_path) for p in problems if p not in claimed],
        units=units)
