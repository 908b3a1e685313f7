"""Filling in the learner quiz form the way a browser would post it."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from elearn.models import Question, QuizAttempt
from tests.factories import correct_response


def attempt_id_in(html: str) -> int:
    match = re.search(r'name="attempt_id" value="(\d+)"', html)
    assert match, "the page has no open quiz form"
    return int(match.group(1))


def csrf_token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def form_fields(question: Question, response: Any) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser posts for ``response`` to ``question``."""
    key = question.question_key
    if question.type == "single_choice":
        return [(f"q-{key}", response)]
    if question.type == "multiple_choice":
        return [(f"q-{key}", choice) for choice in response]
    if question.type == "true_false":
        return [(f"q-{key}", "true" if response else "false")]
    if question.type == "matching":
        return [(f"q-{key}-{source}", target) for source, target in response.items()]
    return [(f"q-{key}-{item}", str(position)) for position, item in enumerate(response, 1)]


def answers_form(session, attempt_id: int, *, correct: bool = True,
                 skip: tuple[str, ...] = ()) -> MultiDict:
    """Form data answering every question of the attempt (rightly, or wrongly where the
    question type allows a wrong but well-formed answer), leaving out types in ``skip``."""
    attempt = session.get(QuizAttempt, attempt_id)
    data: list[tuple[str, str]] = [("attempt_id", str(attempt_id))]
    for question_id in attempt.question_ids:
        question = session.get(Question, question_id)
        if question.type in skip:
            continue
        response = correct_response(question.data)
        if not correct:
            response = _wrong(question, response)
        data += form_fields(question, response)
    return MultiDict(data)


def _wrong(question: Question, response: Any) -> Any:
    if question.type == "single_choice":
        return next(c["id"] for c in question.data["choices"] if not c.get("correct"))
    if question.type == "multiple_choice":
        return [c["id"] for c in question.data["choices"] if not c.get("correct")]
    if question.type == "true_false":
        return not response
    if question.type == "matching":
        ids = list(response)
        return {source: ids[(i + 1) % len(ids)] for i, source in enumerate(ids)}
    return list(reversed(response))
