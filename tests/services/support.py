"""Helpers shared by the learning service tests."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from elearn.models import User
from elearn.services import learning
from tests.factories import correct_response, make_course_version


def names(events) -> list[str]:
    """Event class names in order of publication."""
    return [type(event).__name__ for event in events]


def right_answers(session, attempt) -> dict[str, Any]:
    """The fully correct answer to every question of ``attempt``'s draw."""
    return {q.question_key: correct_response(q.data)
            for q in learning.attempt_questions(session, attempt)}


def wrong_answers(session, attempt) -> dict[str, Any]:
    """A well-formed but wrong answer to every question of ``attempt``'s draw."""
    wrong: dict[str, Any] = {}
    for question in learning.attempt_questions(session, attempt):
        data = question.data
        right = correct_response(data)
        if question.type == "single_choice":
            wrong[question.question_key] = next(c["id"] for c in data["choices"]
                                                if c["id"] != right)
        elif question.type == "multiple_choice":
            wrong[question.question_key] = [right[0]]
        elif question.type == "true_false":
            wrong[question.question_key] = not right
        elif question.type == "matching":
            ids = list(right)
            wrong[question.question_key] = dict(zip(ids, ids[1:] + ids[:1]))
        else:
            wrong[question.question_key] = list(reversed(right))
    return wrong


def pass_unit(session, enrolment, unit_key: str, text: str = "A reflection long enough."):
    """Open a unit, pass its quiz and write every reflection task."""
    unit = learning.open_unit(session, enrolment, unit_key)
    attempt = learning.current_attempt(session, enrolment, unit)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    for task in unit.reflection_tasks:
        learning.save_reflection(session, enrolment, unit, task.task_key, text)
    return unit


def enrol_and_pass(app, username: str, units: tuple[str, ...]) -> None:
    """Enrol ``username`` on the test course and pass ``units`` in one committed unit of work."""
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        enrolment = learning.enrol(session, user, "testikurssi")
        for unit in units:
            pass_unit(session, enrolment, unit)


def publish_next_version(app) -> None:
    """Publish another version of the test course (two units), committed."""
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
