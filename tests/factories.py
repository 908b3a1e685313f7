"""Published course versions built straight from the models, for unit and service tests.

The rows have exactly the shape the course importer writes (``Question.data`` holds the
question as written in ``unit.yaml``: language maps, choices/pairs/items, feedback), so a test
can exercise learning, xAPI or reporting rules without going through course files.  Tests of
the importer itself use real course folders instead.
"""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.models import Course, CourseVersion, Question, ReflectionTask, Unit


def lm(text: str) -> dict[str, str]:
    """A language map with a recognisable text per language."""
    return {"fi": f"{text} (fi)", "sv": f"{text} (sv)", "en": text}


def _feedback(key: str) -> dict[str, Any]:
    return {"correct": lm(f"{key}: right, because"), "incorrect": lm(f"{key}: not quite, because")}


def question_data(kind: str, key: str) -> dict[str, Any]:
    """One question of ``kind`` in the course-file shape; its correct answer is documented
    in :func:`correct_response`."""
    data: dict[str, Any] = {"id": key, "type": kind, "source": "vnk-2019",
                            "prompt": lm(f"Question {key}"), "feedback": _feedback(key)}
    if kind == "single_choice":
        data["choices"] = [
            {"id": "a", "text": lm("Right choice"), "correct": True, "feedback": lm("a is right")},
            {"id": "b", "text": lm("Wrong choice"), "correct": False, "feedback": lm("b is wrong")},
            {"id": "c", "text": lm("Other wrong choice"), "correct": False},
        ]
    elif kind == "multiple_choice":
        data["choices"] = [
            {"id": "a", "text": lm("Right 1"), "correct": True},
            {"id": "b", "text": lm("Wrong"), "correct": False},
            {"id": "c", "text": lm("Right 2"), "correct": True},
            {"id": "d", "text": lm("Also wrong"), "correct": False},
        ]
    elif kind == "true_false":
        data["answer"] = True
    elif kind == "matching":
        data["pairs"] = [
            {"id": "p1", "source": lm("Source 1"), "target": lm("Target 1")},
            {"id": "p2", "source": lm("Source 2"), "target": lm("Target 2")},
            {"id": "p3", "source": lm("Source 3"), "target": lm("Target 3")},
        ]
    elif kind == "ordering":
        data["items"] = [{"id": "first", "text": lm("First")},
                         {"id": "second", "text": lm("Second")},
                         {"id": "third", "text": lm("Third")}]
    else:  # pragma: no cover - guards the factory itself
        raise ValueError(kind)
    return data


def correct_response(data: dict[str, Any]) -> Any:
    """The fully correct response to a question built by :func:`question_data`, in the
    response shape the learning service accepts (choice ids, bool, {source id: target id},
    item ids in order)."""
    kind = data["type"]
    if kind == "single_choice":
        return next(c["id"] for c in data["choices"] if c.get("correct"))
    if kind == "multiple_choice":
        return [c["id"] for c in data["choices"] if c.get("correct")]
    if kind == "true_false":
        return data["answer"]
    if kind == "matching":
        return {p["id"]: p["id"] for p in data["pairs"]}
    return [item["id"] for item in data["items"]]


ALL_TYPES = ("single_choice", "multiple_choice", "true_false", "matching", "ordering")


def make_course_version(session: Session, *, slug: str = "testikurssi", units: int = 2,
                        question_types: tuple[str, ...] = ALL_TYPES, pass_mark: float = 0.75,
                        max_attempts: int = 3, draw_count: int | None = None,
                        reflections_per_unit: int = 1, min_length: int = 20,
                        mastery_score: float = 0.8, number: int | None = None,
                        public_key_prefix: str = "") -> CourseVersion:
    """Publish a course version with ``units`` units, each with one question of every type in
    ``question_types`` and ``reflections_per_unit`` reflection tasks.  Flushes, never commits."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        course = Course(slug=slug)
        session.add(course)
        session.flush()
    if number is None:
        number = len(course.versions) + 1
    version = CourseVersion(
        course=course, number=number,
        content_hash=hashlib.sha256(f"{slug}:{number}".encode()).hexdigest(),
        title=lm(f"Course {slug}"), description=lm(f"About {slug}"),
        mastery_score=mastery_score,
        sources=[{"id": "vnk-2019", "title": "Verkostojohtamisen opas", "url": "https://vnk.fi/"}])
    session.add(version)
    for u in range(1, units + 1):
        unit_key = f"{public_key_prefix}unit-{u}"
        unit = Unit(version=version, unit_key=unit_key, activity_key=unit_key, position=u,
                    title=lm(f"Unit {u}"), objectives={k: [f"Objective {u} ({k})"]
                                                        for k in ("fi", "sv", "en")},
                    sources=["vnk-2019"], estimated_minutes=10,
                    content_html={k: f"<h2>Unit {u} ({k})</h2><p>Content {u} ({k}).</p>"
                                  for k in ("fi", "sv", "en")},
                    content_hash=hashlib.sha256(unit_key.encode()).hexdigest(),
                    quiz_activity_key=f"{unit_key}/quiz", pass_mark=pass_mark,
                    max_attempts=max_attempts, draw_count=draw_count)
        session.add(unit)
        for position, kind in enumerate(question_types, start=1):
            key = f"q{position}-{kind.replace('_', '-')}"
            session.add(Question(unit=unit, question_key=key,
                                 activity_key=f"{unit_key}/quiz/{key}", position=position,
                                 type=kind, points=1.0, data=question_data(kind, key)))
        for position in range(1, reflections_per_unit + 1):
            key = f"r{position}"
            session.add(ReflectionTask(unit=unit, task_key=key,
                                       activity_key=f"{unit_key}/reflection/{key}",
                                       position=position, prompt=lm(f"Reflect {u}.{position}"),
                                       min_length=min_length))
    session.flush()
    return version
