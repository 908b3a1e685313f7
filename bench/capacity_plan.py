"""What the simulated learners of the capacity benchmark need to know, written as one JSON
file for the Locust process: the course's units in order, for each unit the quiz form's
fields filled in correctly and wrongly, the reflection tasks with their minimum lengths, the
accounts to sign in with, and the script's timing.

The load generator runs in its own process (Locust's gevent must not patch the benchmark's
own process), so it reads this plan instead of the database.  Answers are written for every
question of a unit, not only for an attempt's draw: the quiz form reads only the fields of
the questions it showed, so the same fields answer whatever draw an attempt has.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from bench.dataset import correct_response

FieldList = list[list[str]]  # [[form field name, value], ...] in posting order


def form_fields(question_key: str, data: dict[str, Any], *, correct: bool) -> FieldList:
    """The quiz form's fields answering one question (elearn.web.learner.quiz_form names):
    the right answer, or a wrong one of the same shape (so the attempt is scored, not
    rejected)."""
    name = f"q-{question_key}"
    kind = data["type"]
    right = correct_response(data)
    if kind == "single_choice":
        if correct:
            return [[name, right]]
        return [[name, next(str(c["id"]) for c in data["choices"] if not c.get("correct"))]]
    if kind == "multiple_choice":
        wrong = [str(c["id"]) for c in data["choices"] if not c.get("correct")]
        chosen = right if correct else (wrong[:1] or right[:1])
        return [[name, value] for value in chosen]
    if kind == "true_false":
        given = right if correct else not right
        return [[name, "true" if given else "false"]]
    if kind == "matching":
        sources = list(right)
        targets = sources if correct else sources[1:] + sources[:1]
        return [[f"{name}-{source}", target] for source, target in zip(sources, targets)]
    order = right if correct else list(reversed(right))
    return [[f"{name}-{item}", str(order.index(item) + 1)] for item in right]


def course_plan(app: Flask) -> dict[str, Any]:
    """The newest published course: slug and units with quiz fields and reflection tasks."""
    from elearn.db import get_db
    from elearn.models import Course, CourseVersion, Question, ReflectionTask, Unit

    with app.app_context(), get_db().session_scope() as session:
        version, slug = session.execute(
            select(CourseVersion, Course.slug).join(Course)
            .order_by(CourseVersion.id.desc()).limit(1)).one()
        units = []
        for unit in session.scalars(select(Unit).where(Unit.version_id == version.id)
                                    .order_by(Unit.position)):
            questions = list(session.scalars(select(Question).where(Question.unit_id == unit.id)
                                             .order_by(Question.position)))
            tasks = list(session.scalars(select(ReflectionTask)
                                         .where(ReflectionTask.unit_id == unit.id)
                                         .order_by(ReflectionTask.position)))
            units.append({
                "key": unit.unit_key, "max_attempts": unit.max_attempts,
                "correct": [f for q in questions
                            for f in form_fields(q.question_key, q.data, correct=True)],
                "wrong": [f for q in questions
                          for f in form_fields(q.question_key, q.data, correct=False)],
                "reflections": [{"key": t.task_key, "min_length": t.min_length}
                                for t in tasks]})
        return {"slug": slug, "units": units}
