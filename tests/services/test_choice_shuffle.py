"""Choices of single- and multiple-choice questions in a random order per attempt: stored on
the attempt, shown the same way on every read, scored by choice id; ``shuffle: false`` and
attempts from before the shuffle keep the written order."""
from __future__ import annotations

from collections import Counter

import pytest

from elearn.models import Question
from elearn.services import learning
from tests.factories import make_course_version
from tests.services.support import right_answers

CHOICE_TYPES = ("single_choice", "multiple_choice")


@pytest.fixture
def enrolment(session, learner, course):
    return learning.enrol(session, learner, "testikurssi")


def _open(session, enrolment, unit_key="unit-1"):
    unit = learning.open_unit(session, enrolment, unit_key)
    return unit, learning.current_attempt(session, enrolment, unit)


def _written(question: Question) -> list[str]:
    return [c["id"] for c in question.data["choices"]]


def test_the_order_is_stored_on_the_attempt_and_shown_on_every_read(session, enrolment):
    unit, attempt = _open(session, enrolment)
    questions = learning.attempt_questions(session, attempt)
    choice_questions = [q for q in questions if q.type in CHOICE_TYPES]
    assert sorted(attempt.choice_orders) == sorted(str(q.id) for q in choice_questions)
    for question in choice_questions:
        stored = attempt.choice_orders[str(question.id)]
        assert sorted(stored) == sorted(_written(question))
        for language in ("fi", "en"):
            shown = learning.present_question(question, language, attempt)
            assert [c["id"] for c in shown["choices"]] == stored
    again = learning.current_attempt(session, enrolment, unit)  # a reload
    assert again.id == attempt.id and again.choice_orders == attempt.choice_orders


def test_every_position_is_used_and_scoring_is_by_choice_id(session, learner):
    make_course_version(session, slug="testikurssi", units=1, max_attempts=0,
                        question_types=("single_choice",))
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-1")
    first_shown = Counter()
    orders = set()
    for _ in range(60):
        attempt = learning.current_attempt(session, enrolment, unit)
        question = learning.attempt_questions(session, attempt)[0]
        shown = [c["id"] for c in learning.present_question(question, "en", attempt)["choices"]]
        first_shown[shown[0]] += 1
        orders.add(tuple(shown))
        submitted = learning.submit_attempt(session, enrolment, unit, attempt.id,
                                            right_answers(session, attempt))
        assert submitted.passed is True  # the key is found by its id wherever it stands
    # With three choices, a given one is never first in 60 fair shuffles with
    # probability (2/3)^60 < 1e-10.
    assert set(first_shown) == {"a", "b", "c"}
    assert len(orders) > 1


def test_shuffle_false_keeps_the_written_order(session, learner):
    version = make_course_version(session, slug="testikurssi", units=1,
                                  question_types=CHOICE_TYPES)
    for question in version.units[0].questions:
        question.data = {**question.data, "shuffle": False}
    session.flush()
    enrolment = learning.enrol(session, learner, "testikurssi")
    _unit, attempt = _open(session, enrolment)
    assert attempt.choice_orders == {}
    for question in learning.attempt_questions(session, attempt):
        shown = learning.present_question(question, "en", attempt)
        assert [c["id"] for c in shown["choices"]] == _written(question)


def test_an_attempt_without_a_stored_order_shows_the_written_order_and_scores(session,
                                                                              enrolment):
    unit, attempt = _open(session, enrolment)
    attempt.choice_orders = None  # started before choices were shuffled
    session.flush()
    for question in learning.attempt_questions(session, attempt):
        if question.type in CHOICE_TYPES:
            shown = learning.present_question(question, "en", attempt)
            assert [c["id"] for c in shown["choices"]] == _written(question)
    submitted = learning.submit_attempt(session, enrolment, unit, attempt.id,
                                        right_answers(session, attempt))
    assert submitted.passed is True
    feedback = learning.attempt_feedback(session, submitted, "en")
    assert feedback.questions[0].choice_feedback == [
        {"id": "a", "text": "Right choice", "feedback": "a is right"}]


def test_feedback_lists_chosen_choices_in_the_attempt_order(session, learner):
    version = make_course_version(session, slug="testikurssi", units=1, max_attempts=0,
                                  question_types=("multiple_choice",))
    question = version.units[0].questions[0]
    question.data = {**question.data, "choices": [
        {**choice, "feedback": {"fi": choice["id"], "sv": choice["id"], "en": choice["id"]}}
        for choice in question.data["choices"]]}
    session.flush()
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit, attempt = _open(session, enrolment)
    order = attempt.choice_orders[str(question.id)]
    submitted = learning.submit_attempt(session, enrolment, unit, attempt.id,
                                        {question.question_key: ["a", "b", "c", "d"]})
    feedback = learning.attempt_feedback(session, submitted, "en")
    assert [c["id"] for c in feedback.questions[0].choice_feedback] == order
