"""Helpers for the learner API tests: answers built from the questions the API shows."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from elearn.models import Question, Unit
from tests.factories import correct_response

UNIT = "/api/courses/testikurssi/units/unit-1"  # the first unit of the `course` fixture


def right_answers(app, unit_view: dict) -> dict[str, Any]:
    """The correct answer to every question shown in a unit view (read from the course rows,
    since the API never reveals them)."""
    keys = [q["key"] for q in unit_view["quiz"]["questions"]]
    with app.extensions["elearn.db"].session_scope() as session:
        rows = session.scalars(select(Question).join(Unit).where(
            Unit.unit_key == unit_view["key"], Question.question_key.in_(keys))).all()
        return {q.question_key: correct_response(q.data) for q in rows}
