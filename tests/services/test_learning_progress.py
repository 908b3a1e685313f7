"""Enrolment, opening units, progress and the completion rules, with the events published
(each exactly once, in order, inside the learner's transaction)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.errors import APIError
from elearn.events import (CourseCompleted, CoursePassed, CourseProgressed, Enrolled,
                           UnitCompleted, UnitOpened, subscribe)
from elearn.models import Enrolment
from elearn.services import learning
from tests.factories import make_course_version
from tests.services.support import names, pass_unit, right_answers, wrong_answers


def test_catalogue_lists_newest_version_of_each_course(session, course):
    make_course_version(session, slug="toinen", units=1)
    make_course_version(session, slug="testikurssi", units=3)  # version 2
    catalogue = learning.latest_versions(session)
    assert [(v.course.slug, v.number) for v in catalogue] == [("testikurssi", 2), ("toinen", 1)]


def test_enrol_is_idempotent_and_publishes_once(session, learner, course, recorded):
    first = learning.enrol(session, learner, "testikurssi")
    again = learning.enrol(session, learner, "testikurssi")
    assert first.id == again.id and first.version_id == course.id
    assert names(recorded) == ["Enrolled"]
    assert recorded[0] == Enrolled(enrolment_id=first.id, at=recorded[0].at)
    assert learning.enrolment_for(session, learner, "testikurssi").id == first.id


def test_unknown_course_is_404(session, learner, course):
    with pytest.raises(APIError) as missing:
        learning.enrol(session, learner, "ei-ole")
    assert missing.value.code == 404 and missing.value.error_code == "course_not_found"
    with pytest.raises(APIError) as not_enrolled:
        learning.require_enrolment(session, learner, "testikurssi")
    assert not_enrolled.value.code == 409 and not_enrolled.value.error_code == "not_enrolled"
    assert learning.enrolment_for(session, learner, "testikurssi") is None


def test_learner_stays_on_pinned_version_until_finished(session, learner, course):
    enrolment = learning.enrol(session, learner, "testikurssi")
    newer = make_course_version(session, slug="testikurssi", units=1)
    assert learning.enrol(session, learner, "testikurssi").id == enrolment.id
    assert learning.enrolment_for(session, learner, "testikurssi").version_id == course.id
    for key in ("unit-1", "unit-2"):
        pass_unit(session, enrolment, key)
    assert enrolment.completed_at is not None
    retake = learning.enrol(session, learner, "testikurssi")
    assert retake.id != enrolment.id and retake.version_id == newer.id
    assert learning.enrolment_for(session, learner, "testikurssi").id == retake.id
    assert [e.id for e in learning.enrolments_of(session, learner)] == [retake.id, enrolment.id]


def test_open_unit_first_open_only_publishes(session, learner, course, recorded):
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-2")
    learning.open_unit(session, enrolment, "unit-2")
    learning.open_unit(session, enrolment, "unit-1")
    opened = [e for e in recorded if isinstance(e, UnitOpened)]
    assert [e.unit_id for e in opened] == [unit.id, unit.id - 1]
    assert enrolment.last_unit_id == unit.id - 1
    progress = learning.progress_of(session, enrolment)
    assert progress.resume_unit_key == "unit-1"
    assert [u.viewed for u in progress.units] == [True, True]
    with pytest.raises(APIError) as missing:
        learning.open_unit(session, enrolment, "unit-9")
    assert missing.value.code == 404


def test_unit_completes_only_with_content_quiz_and_reflections(session, learner, course,
                                                                recorded):
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-1")
    attempt = learning.current_attempt(session, enrolment, unit)
    learning.submit_attempt(session, enrolment, unit, attempt.id, wrong_answers(session, attempt))
    learning.save_reflection(session, enrolment, unit, "r1", "A reflection long enough.")
    status = learning.progress_of(session, enrolment).units[0]
    assert (status.viewed, status.quiz_passed, status.reflections_done) == (True, False, 1)
    assert not status.complete and "UnitCompleted" not in names(recorded)
    attempt = learning.current_attempt(session, enrolment, unit)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    status = learning.progress_of(session, enrolment).units[0]
    assert status.complete and status.completed_at is not None
    assert names(recorded)[-3:] == ["AttemptSubmitted", "UnitCompleted", "CourseProgressed"]
    assert recorded[-1] == CourseProgressed(enrolment_id=enrolment.id, at=recorded[-1].at,
                                            progress=0.5)
    assert enrolment.progress == 0.5


def test_reflection_last_completes_unit(session, learner, course, recorded):
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-1")
    attempt = learning.current_attempt(session, enrolment, unit)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    assert "UnitCompleted" not in names(recorded)
    learning.save_reflection(session, enrolment, unit, "r1", "A reflection long enough.")
    assert names(recorded)[-3:] == ["ReflectionSaved", "UnitCompleted", "CourseProgressed"]


def test_course_completion_and_pass_are_published_once(session, learner, course, recorded):
    enrolment = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, enrolment, "unit-1")
    pass_unit(session, enrolment, "unit-2")
    assert names(recorded)[-5:] == ["ReflectionSaved", "UnitCompleted", "CourseProgressed",
                                    "CourseCompleted", "CoursePassed"]
    progressed = [e.progress for e in recorded if isinstance(e, CourseProgressed)]
    assert progressed == [0.5, 1.0]
    # more activity after completion publishes no completion event again
    unit = learning.open_unit(session, enrolment, "unit-1")
    attempt = learning.current_attempt(session, enrolment, unit)
    learning.submit_attempt(session, enrolment, unit, attempt.id, right_answers(session, attempt))
    learning.save_reflection(session, enrolment, unit, "r1", "An edited reflection, long.")
    for kind in (UnitCompleted, CourseCompleted, CoursePassed):
        assert sum(isinstance(e, kind) for e in recorded) == (2 if kind is UnitCompleted else 1)
    progress = learning.progress_of(session, enrolment)
    assert progress.progress == 1.0 and progress.passed and progress.score == 1.0
    assert progress.completed_at == enrolment.completed_at and progress.next_unit_key is None
    stored = session.scalar(select(Enrolment).where(Enrolment.id == enrolment.id))
    assert stored.score == 1.0 and stored.passed_at is not None


def test_course_score_is_mean_of_best_unit_scores(session, learner, course):
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-1")
    attempt = learning.current_attempt(session, enrolment, unit)
    answers = right_answers(session, attempt)
    answers["q1-single-choice"] = "b"
    learning.submit_attempt(session, enrolment, unit, attempt.id, answers)  # 0.8
    progress = learning.progress_of(session, enrolment)
    assert progress.score == pytest.approx(0.4)  # unit 2 not attempted counts 0
    assert [u.best_score for u in progress.units] == [pytest.approx(0.8), None]
    assert [u.attempts_left for u in progress.units] == [2, 3]


def test_events_carry_the_enrolment_and_publish_in_the_callers_session(app, session, learner,
                                                                       course):
    sessions = []
    subscribe(app, lambda s, event: sessions.append((s, event)))
    enrolment = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, enrolment, "unit-1")
    assert sessions and all(s is session for s, _ in sessions)
    assert all(event.enrolment_id == enrolment.id for _, event in sessions)


def test_resume_moves_on_to_the_first_unfinished_unit_once_the_last_one_is_complete(
        session, learner):
    make_course_version(session, slug="kolmikko", units=3)
    enrolment = learning.enrol(session, learner, "kolmikko")
    learning.open_unit(session, enrolment, "unit-1")
    assert learning.progress_of(session, enrolment).resume_unit_key == "unit-1"
    pass_unit(session, enrolment, "unit-1")
    # unit 2 was never opened: completing unit 1 is enough to be sent on to it
    progress = learning.progress_of(session, enrolment)
    assert progress.units[0].complete and not progress.units[1].viewed
    assert progress.resume_unit_key == "unit-2"
    # an unfinished unit opened later is where the learner left off, even past unit 2
    learning.open_unit(session, enrolment, "unit-3")
    assert learning.progress_of(session, enrolment).resume_unit_key == "unit-3"
    # finishing unit 3 sends them back to the one still open before it
    pass_unit(session, enrolment, "unit-3")
    assert learning.progress_of(session, enrolment).resume_unit_key == "unit-2"
