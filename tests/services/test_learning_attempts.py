"""Quiz attempts through the learning services: the stored draw, server-side scoring,
attempt limits, validation naming each answer, feedback."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.errors import APIError
from elearn.models import AttemptAnswer, QuizAttempt, UnitProgress
from elearn.services import learning
from tests.factories import make_course_version
from tests.services.support import names, right_answers, wrong_answers


@pytest.fixture
def enrolment(session, learner, course):
    return learning.enrol(session, learner, "testikurssi")


def start(session, enrolment, unit_key="unit-1"):
    unit = learning.open_unit(session, enrolment, unit_key)
    return unit, learning.current_attempt(session, enrolment, unit)


def test_right_answers_pass_and_are_stored(session, enrolment, recorded):
    unit, attempt = start(session, enrolment)
    submitted = learning.submit_attempt(session, enrolment, unit, attempt.id,
                                        right_answers(session, attempt))
    assert (submitted.score_raw, submitted.score_max, submitted.score_scaled) == (5.0, 5.0, 1.0)
    assert submitted.passed is True and submitted.submitted_at is not None
    answers = session.scalars(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt.id)).all()
    assert len(answers) == 5 and all(a.correct and a.points == 1.0 for a in answers)
    progress = session.scalar(select(UnitProgress).where(UnitProgress.unit_id == unit.id))
    assert progress.best_score == 1.0 and progress.quiz_passed_at is not None
    assert names(recorded)[-1] == "AttemptSubmitted"
    assert recorded[-1].attempt_id == attempt.id


def test_wrong_answers_fail_and_keep_best_score(session, enrolment):
    unit, attempt = start(session, enrolment)
    learning.submit_attempt(session, enrolment, unit, attempt.id,
                            right_answers(session, attempt))
    second = learning.current_attempt(session, enrolment, unit)
    assert second.number == 2 and second.id != attempt.id
    failed = learning.submit_attempt(session, enrolment, unit, second.id,
                                     wrong_answers(session, second))
    assert failed.passed is False and failed.score_raw == 0.0 and failed.score_scaled == 0.0
    status = learning.quiz_status(session, enrolment, unit)
    assert status.best_score == 1.0 and status.passed is True
    assert (status.attempts_used, status.attempts_left) == (2, 1)


def test_partial_matching_counts_towards_the_score(session, enrolment):
    unit, attempt = start(session, enrolment)
    answers = right_answers(session, attempt)
    answers["q4-matching"] = {"p1": "p1", "p2": "p3", "p3": "p2"}  # 1 of 3 pairs
    submitted = learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
    assert submitted.score_raw == pytest.approx(4 + 1 / 3)
    assert submitted.score_scaled == pytest.approx((4 + 1 / 3) / 5)
    assert submitted.passed is True  # 0.87 >= 0.75
    matching = session.scalar(select(AttemptAnswer).join(AttemptAnswer.question).where(
        AttemptAnswer.attempt_id == attempt.id).where(
        AttemptAnswer.question.has(question_key="q4-matching")))
    assert matching.correct is False and matching.points == pytest.approx(1 / 3)


def test_pass_mark_decides_passed(session, learner):
    make_course_version(session, slug="tiukka", units=1, pass_mark=0.8)
    enrolment = learning.enrol(session, learner, "tiukka")
    unit, attempt = start(session, enrolment)
    answers = right_answers(session, attempt)
    answers["q5-ordering"] = ["third", "second", "first"]  # 4 of 5 = 0.8: passes exactly
    assert learning.submit_attempt(session, enrolment, unit, attempt.id, answers).passed
    attempt = learning.current_attempt(session, enrolment, unit)
    answers = right_answers(session, attempt)
    answers["q5-ordering"] = ["third", "second", "first"]
    answers["q4-matching"] = {"p1": "p1", "p2": "p3", "p3": "p2"}  # 3.33 of 5
    assert not learning.submit_attempt(session, enrolment, unit, attempt.id, answers).passed


def test_open_attempt_is_reused_until_submitted(session, enrolment):
    unit, attempt = start(session, enrolment)
    again = learning.current_attempt(session, enrolment, unit)
    assert again.id == attempt.id and again.question_ids == attempt.question_ids
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_random_draw_is_stored_and_honoured(session, learner):
    make_course_version(session, slug="arvonta", units=1, draw_count=2, max_attempts=0)
    enrolment = learning.enrol(session, learner, "arvonta")
    unit = learning.open_unit(session, enrolment, "unit-1")
    draws = set()
    for _ in range(12):
        attempt = learning.current_attempt(session, enrolment, unit)
        assert len(attempt.question_ids) == 2
        shown = [q.question_key for q in learning.attempt_questions(session, attempt)]
        assert len(set(shown)) == 2
        # the stored draw is what a reload shows
        assert learning.current_attempt(session, enrolment, unit).question_ids == \
            attempt.question_ids
        outside = next(q.question_key for q in unit.questions if q.question_key not in shown)
        answers = right_answers(session, attempt)
        with pytest.raises(APIError) as refused:
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    dict(answers, **{outside: "a"}))
        assert refused.value.code == 422
        assert refused.value.details["fields"] == {
            f"answers.{outside}": ["This question is not part of this attempt."]}
        submitted = learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
        assert submitted.score_max == 2.0 and submitted.passed
        assert {a.question.question_key for a in submitted.answers} == set(shown)
        draws.add(tuple(attempt.question_ids))
    assert len(draws) > 1  # 12 draws of 2 out of 5 are not all the same (p < 1e-11)


def test_invalid_answers_name_each_field_and_store_nothing(session, enrolment, recorded):
    unit, attempt = start(session, enrolment)
    answers = right_answers(session, attempt)
    answers.update({"q1-single-choice": "z", "q2-multiple-choice": ["a", "a"],
                    "q3-true-false": "yes", "q4-matching": {"p1": "p1"},
                    "q5-ordering": ["first"], "nope": "a"})
    before = list(recorded)
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
    assert refused.value.code == 422
    fields = refused.value.details["fields"]
    assert fields == {
        "answers.q1-single-choice": ["Unknown choice 'z'."],
        "answers.q2-multiple-choice": ["A choice is given more than once."],
        "answers.q3-true-false": ["Answer true or false."],
        "answers.q4-matching": ["Match every item (missing: p2, p3)."],
        "answers.q5-ordering": ["Put every item in order."],
        "answers.nope": ["Unknown question."],
    }
    session.refresh(attempt)
    assert attempt.submitted_at is None
    assert session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
    assert recorded == before


def test_unanswered_questions_and_bad_bodies_are_named(session, enrolment):
    unit, attempt = start(session, enrolment)
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, unit, attempt.id, {})
    assert set(refused.value.details["fields"]) == {
        f"answers.{q.question_key}" for q in unit.questions}
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, unit, attempt.id, ["a"])
    assert list(refused.value.details["fields"]) == ["answers"]
    for bad_id in (attempt.id + 1000, "1", True, -1, 2**40):
        with pytest.raises(APIError) as refused:
            learning.submit_attempt(session, enrolment, unit, bad_id,
                                    right_answers(session, attempt))
        assert refused.value.code == 422 and list(refused.value.details["fields"]) == \
            ["attempt_id"]


def test_attempt_of_another_unit_is_refused(session, enrolment):
    unit, attempt = start(session, enrolment)
    other = learning.open_unit(session, enrolment, "unit-2")
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, other, attempt.id,
                                right_answers(session, attempt))
    assert refused.value.details["fields"] == {"attempt_id": ["No such attempt of this quiz."]}


def test_submitted_attempt_cannot_be_submitted_again(session, enrolment):
    unit, attempt = start(session, enrolment)
    learning.submit_attempt(session, enrolment, unit, attempt.id, wrong_answers(session, attempt))
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, unit, attempt.id,
                                right_answers(session, attempt))
    assert refused.value.code == 409 and refused.value.error_code == "attempt_already_submitted"
    assert learning.quiz_status(session, enrolment, unit).attempts_used == 1


def test_attempt_limit_locks_the_quiz(session, enrolment):
    unit = learning.open_unit(session, enrolment, "unit-1")
    ids = []
    for _ in range(3):
        attempt = learning.current_attempt(session, enrolment, unit)
        learning.submit_attempt(session, enrolment, unit, attempt.id,
                                wrong_answers(session, attempt))
        ids.append(attempt.id)
    status = learning.quiz_status(session, enrolment, unit)
    assert status.locked and status.attempts_left == 0 and not status.passed
    with pytest.raises(learning.QuizLocked) as locked:
        learning.current_attempt(session, enrolment, unit)
    assert locked.value.code == 409 and locked.value.error_code == "attempts_exhausted"
    with pytest.raises(APIError) as refused:
        learning.submit_attempt(session, enrolment, unit, ids[-1],
                                right_answers(session, session.get(QuizAttempt, ids[-1])))
    assert refused.value.error_code == "attempts_exhausted"
    assert [a.number for a in learning.attempts_of(session, enrolment, unit)] == [1, 2, 3]


def test_passing_does_not_lock_the_quiz(session, enrolment):
    unit, attempt = start(session, enrolment)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    assert learning.current_attempt(session, enrolment, unit).number == 2


def test_unlimited_attempts(session, learner):
    make_course_version(session, slug="rajaton", units=1, max_attempts=0)
    enrolment = learning.enrol(session, learner, "rajaton")
    unit = learning.open_unit(session, enrolment, "unit-1")
    for _ in range(5):
        attempt = learning.current_attempt(session, enrolment, unit)
        learning.submit_attempt(session, enrolment, unit, attempt.id,
                                wrong_answers(session, attempt))
    status = learning.quiz_status(session, enrolment, unit)
    assert status.attempts_left is None and not status.locked and status.attempts_used == 5


def test_presented_questions_hide_answers(session, enrolment):
    unit, attempt = start(session, enrolment)
    shown = {q.question_key: learning.present_question(q, "sv", attempt)
             for q in learning.attempt_questions(session, attempt)}
    text = repr(shown)
    for secret in ("correct", "feedback", "answer", "True"):
        assert secret not in text
    assert shown["q1-single-choice"]["prompt"] == "Question q1-single-choice (sv)"
    assert {"id": "a", "text": "Right choice (sv)"} in shown["q1-single-choice"]["choices"]
    assert "choices" not in shown["q3-true-false"]
    ordering = [i["id"] for i in shown["q5-ordering"]["items"]]
    assert sorted(ordering) == ["first", "second", "third"]
    assert ordering != ["first", "second", "third"]  # never shown in the correct order
    targets = [t["id"] for t in shown["q4-matching"]["targets"]]
    assert sorted(targets) == ["p1", "p2", "p3"] and targets != ["p1", "p2", "p3"]
    assert [s["id"] for s in shown["q4-matching"]["sources"]] == ["p1", "p2", "p3"]
    # the shuffle is stable for the attempt (a reload shows the same order)
    again = learning.present_question(
        next(q for q in unit.questions if q.question_key == "q5-ordering"), "sv", attempt)
    assert [i["id"] for i in again["items"]] == ordering


def test_feedback_in_requested_language(session, enrolment):
    unit, attempt = start(session, enrolment)
    answers = right_answers(session, attempt)
    answers["q1-single-choice"] = "b"
    submitted = learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
    feedback = learning.attempt_feedback(session, submitted, "fi")
    assert (feedback.score_raw, feedback.passed, feedback.pass_mark) == (4.0, True, 0.75)
    single = feedback.questions[0]
    assert single.key == "q1-single-choice" and single.correct is False and single.points == 0
    assert single.feedback == "q1-single-choice: not quite, because (fi)"
    assert single.choice_feedback == [{"id": "b", "text": "Wrong choice (fi)",
                                       "feedback": "b is wrong (fi)"}]
    multiple = feedback.questions[1]
    assert multiple.correct and multiple.feedback == "q2-multiple-choice: right, because (fi)"
    assert multiple.choice_feedback == []  # its choices carry no feedback
    english = learning.attempt_feedback(session, submitted, "en")
    assert english.questions[0].feedback == "q1-single-choice: not quite, because"


def test_attempt_of_user_is_own_only(session, enrolment, learner):
    from elearn.services.accounts import create_user
    unit, attempt = start(session, enrolment)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    assert learning.attempt_of_user(session, learner, attempt.id).id == attempt.id
    other = create_user(session, username="toinen", password="correct horse battery",
                        role="learner")
    with pytest.raises(APIError) as refused:
        learning.attempt_of_user(session, other, attempt.id)
    assert refused.value.code == 404
