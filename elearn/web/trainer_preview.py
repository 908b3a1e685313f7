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

from elearn.content.build import UnitBuild, build_course, build_unit, plain
from elearn.content.loader import LoadedUnit, find_course_dirs, load_course
from elearn.content.media import MediaStore
from elearn.content.problems import Problem
from elearn.models import Question
from elearn.services.i18n_text import text_in
from elearn.services.quiz import present_question


@dataclass
class UnitPreview:
    folder: str
    build: UnitBuild | None
    problems: list[str] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    answers: list[AnswerKey] = field(default_factory=list)  # one per question, same order


@dataclass
class AnswerKey:
    """What only a trainer sees beside a question: its correct answer and its ground."""

    key: list[str]  # correct choices, pairs or items in order (texts in the language)
    true_false: bool | None  # the answer of a true/false question (shown translated)
    grounds: list[dict[str, str]]  # the question's sources: {id, title, url}


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


def answer_keys(build: UnitBuild, sources: list[Any], language: str) -> list[AnswerKey]:
    """The answer key and the ground (``source``) of each question of ``build``."""
    listed = {str(s.get("id")): s for s in sources if isinstance(s, dict)}
    keys = []
    for question in build.questions:
        data = question.data
        if question.type in ("single_choice", "multiple_choice"):
            key = [text_in(c.get("text"), language) for c in data.get("choices", [])
                   if c.get("correct") is True]
        elif question.type == "matching":
            key = [f"{text_in(p.get('source'), language)} → {text_in(p.get('target'), language)}"
                   for p in data.get("pairs", [])]
        elif question.type == "ordering":
            key = [text_in(i.get("text"), language) for i in data.get("items", [])]
        else:
            key = []
        named = data.get("source")
        ids = [str(named)] if isinstance(named, str) else [str(i) for i in named or []]
        grounds = [{"id": sid, "title": str(listed.get(sid, {}).get("title") or sid),
                    "url": str(listed.get(sid, {}).get("url") or "")} for sid in ids]
        keys.append(AnswerKey(key=key, grounds=grounds,
                              true_false=bool(data.get("answer"))
                              if question.type == "true_false" else None))
    return keys


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
        units = [UnitPreview(folder=u.folder, build=u, questions=present_unit(u, language),
                             answers=answer_keys(u, built.sources, language))
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
            sources = course.data.get("sources") if course.data is not None else None
            entry.answers = answer_keys(entry.build, plain(sources) if isinstance(sources, list)
                                        else [], language)
        units.append(entry)
    data = course.data
    title = data.get("title") if data is not None else None
    return CoursePreview(
        slug=slug, title=dict(title) if isinstance(title, dict) else None,
        course_problems=[_shown(p, root_path) for p in problems if p not in claimed],
        units=units)
