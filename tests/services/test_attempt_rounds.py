"""Rounds of quiz attempts: a learner who used every attempt without passing gets a new round
after the wait or when a trainer opens it; a passed quiz stays as it is; the course is
passed when every unit is complete."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.db import utcnow
from elearn.models import QuizAttempt
from elearn.services import learning
from elearn.services.quiz import QuizLocked, quiz_status
from elearn.services.quiz_rounds import Outcome, new_round_for
from tests.factories import make_course_version
from tests.services.support import names, pass_unit, right_answers, wrong_answers


@pytest.fixture
def enrolment(session, learner, course):
    return learning.enrol(session, learner, "testikurssi")


def fail_every_attempt(session, enrolment, unit_key="unit-1"):
    unit = learning.open_unit(session, enrolment, unit_key)
    for _ in range(unit.max_attempts):
        attempt = learning.current_attempt(session, enrolment, unit)
        learning.submit_attempt(session, enrolment, unit, attempt.id,
                                wrong_answers(session, attempt))
    return unit


def age_attempts(session, enrolment, hours: float) -> None:
    """Move every submitted attempt of the enrolment ``hours`` into the past."""
    for attempt in session.scalars(select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.submitted_at.is_not(None))):
        attempt.submitted_at -= timedelta(hours=hours)
    session.flush()


def test_a_used_up_round_locks_until_the_wait_is_over(session, enrolment):
    unit = fail_every_attempt(session, enrolment)
    last = session.scalar(select(QuizAttempt.submitted_at).where(
        QuizAttempt.enrolment_id == enrolment.id).order_by(QuizAttempt.number.desc()).limit(1))
    status = quiz_status(session, enrolment, unit)
    assert status.locked and status.next_round_at == last + timedelta(hours=24)
    with pytest.raises(QuizLocked) as locked:
        learning.current_attempt(session, enrolment, unit)
    assert locked.value.details == {"next_round_at": status.next_round_at.isoformat()}
    progress = learning.progress_of(session, enrolment)
    assert progress.units[0].next_round_at == status.next_round_at
    assert progress.units[0].attempts_left == 0

    age_attempts(session, enrolment, 23)
    with pytest.raises(QuizLocked):
        learning.current_attempt(session, enrolment, unit)
    age_attempts(session, enrolment, 1.01)
    attempt = learning.current_attempt(session, enrolment, unit)  # the new round
    assert attempt.number == 4
    status = quiz_status(session, enrolment, unit)
    assert (status.attempts_used, status.attempts_left, status.next_round_at) == (0, 3, None)
    learning.submit_attempt(session, enrolment, unit, attempt.id,
                            right_answers(session, attempt))
    status = quiz_status(session, enrolment, unit)
    assert status.passed and (status.attempts_used, status.attempts_left) == (1, 2)
    assert [a.number for a in learning.attempts_of(session, enrolment, unit)] == [1, 2, 3, 4]


def test_the_wait_is_a_setting(app, session, enrolment):
    app.config["QUIZ_RETRY_WAIT_HOURS"] = 0.5
    unit = fail_every_attempt(session, enrolment)
    age_attempts(session, enrolment, 0.51)
    assert learning.current_attempt(session, enrolment, unit).number == 4


def test_a_passed_quiz_gets_no_new_round(session, enrolment):
    unit = learning.open_unit(session, enrolment, "unit-1")
    for answers in (right_answers, wrong_answers, wrong_answers):
        attempt = learning.current_attempt(session, enrolment, unit)
        learning.submit_attempt(session, enrolment, unit, attempt.id, answers(session, attempt))
    age_attempts(session, enrolment, 1000)
    status = quiz_status(session, enrolment, unit)
    assert status.locked and status.passed and status.next_round_at is None
    with pytest.raises(QuizLocked):
        learning.current_attempt(session, enrolment, unit)
    assert new_round_for(session, "oppija", "testikurssi", "unit-1", utcnow()) \
        is Outcome.NOT_LOCKED


def test_a_trainer_opens_the_round_at_once(session, enrolment, recorded):
    unit = fail_every_attempt(session, enrolment)
    assert new_round_for(session, "oppija", "testikurssi", "unit-2", utcnow()) \
        is Outcome.NOT_LOCKED  # attempts left there
    before = len(recorded)
    assert new_round_for(session, " oppija ", "testikurssi", "unit-1", utcnow()) \
        is Outcome.OPENED
    assert len(recorded) == before  # nothing to tell an LRS: no learning happened
    status = quiz_status(session, enrolment, unit)
    assert (status.locked, status.attempts_left) == (False, 3)
    assert learning.current_attempt(session, enrolment, unit).number == 4
    assert new_round_for(session, "oppija", "testikurssi", "unit-1", utcnow()) \
        is Outcome.NOT_LOCKED  # the new round has its attempts


@pytest.mark.parametrize(("username", "slug", "unit_key", "outcome"), [
    ("nobody", "testikurssi", "unit-1", Outcome.NO_SUCH_LEARNER),
    ("oppija", "muu-kurssi", "unit-1", Outcome.NOT_ENROLLED),
    ("oppija", "testikurssi", "unit-9", Outcome.NO_SUCH_UNIT),
])
def test_a_trainer_is_told_what_is_wrong(session, enrolment, username, slug, unit_key,
                                         outcome):
    assert new_round_for(session, username, slug, unit_key, utcnow()) is outcome


def test_the_course_is_passed_when_every_unit_is_complete(session, learner, recorded):
    # A mastery score above the pass mark (allowed in versions published before the rule):
    # passing every unit passes the course all the same.
    make_course_version(session, slug="mestari", units=1, pass_mark=0.5, mastery_score=0.9)
    enrolment = learning.enrol(session, learner, "mestari")
    unit = learning.open_unit(session, enrolment, "unit-1")
    attempt = learning.current_attempt(session, enrolment, unit)
    answers = right_answers(session, attempt)
    answers["q5-ordering"] = list(reversed(answers["q5-ordering"]))  # 0.8: passes the unit
    learning.submit_attempt(session, enrolment, unit, attempt.id, answers)
    assert "CourseCompleted" not in names(recorded)  # the reflection is missing
    learning.save_reflection(session, enrolment, unit, "r1", "A reflection long enough.")
    progress = learning.progress_of(session, enrolment)
    assert progress.completed_at is not None and progress.passed
    assert progress.score == pytest.approx(0.8)
    assert names(recorded)[-2:] == ["CourseCompleted", "CoursePassed"]


def test_a_course_with_a_failed_quiz_is_neither_complete_nor_passed(session, enrolment):
    pass_unit(session, enrolment, "unit-2")
    unit = fail_every_attempt(session, enrolment)
    for task in unit.reflection_tasks:
        learning.save_reflection(session, enrolment, unit, task.task_key, "A reflection long enough to count.")
    progress = learning.progress_of(session, enrolment)
    assert progress.completed_at is None and not progress.passed
    assert progress.next_unit_key == "unit-1" and progress.units[0].next_round_at is not None
