"""Moving unfinished enrolments to a newer course version (``services/version_move.py``):
what carries over, what starts fresh, what is never moved, and the events and outbox rows of
the new registration."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.models import Enrolment, Reflection, Role, UnitProgress, XapiStatement
from elearn.services import learning
from elearn.services.accounts import create_user
from elearn.services.version_move import MoveError, move_learners, unchanged_units
from elearn.xapi.vocabulary import REGISTERED
from tests.factories import make_course_version
from tests.services.support import names, pass_unit


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_unchanged_units_carry_over_and_changed_or_new_units_start_fresh(
        session, learner, course, recorded):
    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1", text="My first draft of it, long enough.")
    pass_unit(session, old, "unit-1", text="My first reflection, long enough.")
    unit_2 = learning.open_unit(session, old, "unit-2")
    learning.save_reflection(session, old, unit_2, "r1", "Written in the changed unit.")
    old_rows = (_count(session, UnitProgress), _count(session, Reflection))
    v2 = make_course_version(session, slug="testikurssi", units=3)
    v2.units[1].content_hash = "edited"  # unit-2 changed; unit-3 is new
    session.flush()
    recorded.clear()

    result = move_learners(session, "testikurssi")

    [move] = result.moved
    assert (move.username, move.from_version, move.to_version) == ("oppija", 1, 2)
    assert move.carried_units == ["unit-1"] and move.fresh_units == ["unit-2", "unit-3"]
    assert move.reflections_copied == 1
    new = learning.enrolment_for(session, learner, "testikurssi")
    assert new.id == move.new_enrolment_id and new.version_id == v2.id
    assert new.registration != old.registration
    progress = learning.progress_of(session, new)
    first, second, third = progress.units
    assert (first.viewed, first.quiz_passed, first.best_score, first.reflections_done,
            first.complete, first.attempts_used) == (True, True, 1.0, 1, True, 0)
    assert (second.viewed, second.reflections_done, second.complete) == (False, 0, False)
    assert (third.viewed, third.complete) == (False, False)
    assert progress.progress == pytest.approx(1 / 3) and new.completed_at is None
    copied = session.scalar(select(Reflection).where(Reflection.enrolment_id == new.id))
    assert copied.text == "My first reflection, long enough."
    assert copied.task.unit_id == v2.units[0].id
    # every text saved before the move comes along, with when it was saved
    original = session.scalar(select(Reflection).where(Reflection.enrolment_id == old.id,
                                                       Reflection.task_id != copied.task_id,
                                                       Reflection.text == copied.text))
    assert [r.text for r in copied.revisions] == ["My first draft of it, long enough.",
                                                  "My first reflection, long enough."]
    assert [r.saved_at for r in copied.revisions] == [r.saved_at for r in original.revisions]
    # the old enrolment is kept as it was, only marked as moved
    session.refresh(old)
    assert old.moved_to_id == new.id and old.moved_at is not None and old.completed_at is None
    assert (_count(session, UnitProgress), _count(session, Reflection)) == (
        old_rows[0] + 1, old_rows[1] + 1)
    assert learning.enrolments_of(session, learner) == [new]
    assert names(recorded) == ["Enrolled", "UnitOpened", "ReflectionSaved", "UnitCompleted",
                               "CourseProgressed"]
    assert {event.enrolment_id for event in recorded} == {new.id}
    assert recorded[1].unit_id == recorded[3].unit_id == v2.units[0].id
    assert recorded[2].reflection_id == copied.id


def test_the_learner_sees_each_reflection_once_after_a_move(session, learner, course):
    """The copy in the new enrolment replaces the original in the learner's list; a
    reflection in a changed unit (not copied) is still listed from the old enrolment."""
    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1", text="My first reflection, long enough.")
    unit_2 = learning.open_unit(session, old, "unit-2")
    learning.save_reflection(session, old, unit_2, "r1", "Written in the changed unit.")
    before = learning.reflections_of(session, learner)
    assert [r.enrolment_id for r in before] == [old.id, old.id]
    v2 = make_course_version(session, slug="testikurssi", units=3)
    v2.units[1].content_hash = "edited"
    session.flush()
    [move] = move_learners(session, "testikurssi").moved

    listed = learning.reflections_of(session, learner)

    assert [(r.text, r.enrolment_id) for r in listed] == [
        ("Written in the changed unit.", old.id),
        ("My first reflection, long enough.", move.new_enrolment_id)]
    assert session.scalar(select(func.count()).select_from(Reflection)) == 3  # nothing deleted


def test_new_registration_gets_a_registered_statement(session, learner, course):
    old = learning.enrol(session, learner, "testikurssi")
    learning.open_unit(session, old, "unit-1")
    make_course_version(session, slug="testikurssi", units=2)
    move_learners(session, "testikurssi")
    new = learning.enrolment_for(session, learner, "testikurssi")
    verbs = session.scalars(select(XapiStatement.verb_id)
                            .where(XapiStatement.registration == new.registration)).all()
    assert REGISTERED.id in verbs
    # the old registration's statements are untouched and none was added to it by the move
    assert session.scalar(select(func.count()).select_from(XapiStatement).where(
        XapiStatement.registration == old.registration,
        XapiStatement.verb_id == REGISTERED.id)) == 1


def test_a_changed_question_set_means_the_unit_starts_fresh(session, learner, course):
    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1")
    v2 = make_course_version(session, slug="testikurssi", units=2)
    assert set(unchanged_units(course, v2)) == {u.id for u in course.units}
    v2.units[0].questions[0].activity_key = "unit-1/quiz/replaced-question"
    session.flush()
    assert set(unchanged_units(course, v2)) == {course.units[1].id}
    [move] = move_learners(session, "testikurssi").moved
    assert move.carried_units == [] and move.reflections_copied == 0
    new = learning.enrolment_for(session, learner, "testikurssi")
    assert learning.progress_of(session, new).units[0].viewed is False


def test_everything_carried_over_completes_the_new_enrolment(session, learner, course,
                                                             recorded):
    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1")  # unit-2 of version 1 never done
    make_course_version(session, slug="testikurssi", units=1)  # version 2 has only unit-1
    recorded.clear()
    [move] = move_learners(session, "testikurssi").moved
    assert move.completed and move.progress == 1.0
    new = learning.enrolment_for(session, learner, "testikurssi")
    assert new.completed_at is not None and new.passed_at is not None
    assert names(recorded) == ["Enrolled", "UnitOpened", "ReflectionSaved", "UnitCompleted",
                               "CourseProgressed", "CourseCompleted", "CoursePassed"]


def test_completed_enrolments_are_never_moved(session, learner, course):
    done = learning.enrol(session, learner, "testikurssi")
    for unit in ("unit-1", "unit-2"):
        pass_unit(session, done, unit)
    assert done.completed_at is not None
    other = create_user(session, username="toinen", password="correct horse battery",
                        role=Role.LEARNER)
    unfinished = learning.enrol(session, other, "testikurssi")
    make_course_version(session, slug="testikurssi", units=2)

    result = move_learners(session, "testikurssi")

    assert [m.username for m in result.moved] == ["toinen"]
    session.refresh(done)
    session.refresh(unfinished)
    assert done.moved_to_id is None and done.completed_at is not None
    assert unfinished.moved_to_id is not None
    assert learning.enrolment_for(session, learner, "testikurssi").id == done.id
    # naming the finished learner explicitly still moves nothing
    again = move_learners(session, "testikurssi", usernames=["oppija"])
    assert again.moved == [] and again.skipped == [
        "oppija: no unfinished enrolment on an older version"]


def test_dry_run_changes_nothing(session, learner, course, recorded):
    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1")
    make_course_version(session, slug="testikurssi", units=2)
    session.flush()
    counts = [_count(session, model) for model in (Enrolment, UnitProgress, Reflection,
                                                   XapiStatement)]
    recorded.clear()

    result = move_learners(session, "testikurssi", dry_run=True)

    [move] = result.moved
    assert result.dry_run and move.new_enrolment_id is None
    assert move.carried_units == ["unit-1"] and move.fresh_units == ["unit-2"]
    assert [_count(session, model) for model in (Enrolment, UnitProgress, Reflection,
                                                 XapiStatement)] == counts
    assert recorded == []
    session.refresh(old)
    assert old.moved_to_id is None


def test_only_named_learners_and_target_version(session, learner, course):
    other = create_user(session, username="toinen", password="correct horse battery",
                        role=Role.LEARNER)
    learning.enrol(session, learner, "testikurssi")
    learning.enrol(session, other, "testikurssi")
    make_course_version(session, slug="testikurssi", units=2)
    make_course_version(session, slug="testikurssi", units=2)
    result = move_learners(session, "testikurssi", to_version=2, usernames=["toinen"])
    assert [(m.username, m.to_version) for m in result.moved] == [("toinen", 2)]
    assert learning.enrolment_for(session, other, "testikurssi").version.number == 2
    assert learning.enrolment_for(session, learner, "testikurssi").version.number == 1
    # a second run finds nobody left on an older version than 2
    assert move_learners(session, "testikurssi", to_version=2).moved[0].username == "oppija"
    assert move_learners(session, "testikurssi", to_version=2).moved == []


@pytest.mark.parametrize("kwargs, message", [
    ({"course_slug": "ei-ole"}, "no course 'ei-ole'"),
    ({"course_slug": "testikurssi", "to_version": 7}, "course 'testikurssi' has no version 7"),
    ({"course_slug": "testikurssi", "usernames": ["kukaan"]}, "no user 'kukaan'"),
])
def test_bad_requests_raise_and_change_nothing(session, learner, course, kwargs, message):
    learning.enrol(session, learner, "testikurssi")
    make_course_version(session, slug="testikurssi", units=2)
    with pytest.raises(MoveError) as error:
        move_learners(session, **kwargs)
    assert str(error.value) == message
    assert _count(session, Enrolment) == 1


def test_backfill_of_the_new_registration_finds_nothing_missing(app, session, learner, course):
    """Live capture during the move wrote every statement the new enrolment's records stand
    for, with the ids an xAPI backfill would rebuild."""
    from elearn.xapi.backfill import enrolment_statements
    from elearn.xapi.outbox import profile_settings

    old = learning.enrol(session, learner, "testikurssi")
    pass_unit(session, old, "unit-1")
    learning.open_unit(session, old, "unit-2")
    make_course_version(session, slug="testikurssi", units=2)
    move_learners(session, "testikurssi")
    new = learning.enrolment_for(session, learner, "testikurssi")
    rebuilt = [s["id"] for s in enrolment_statements(session, profile_settings(app), new)]
    stored = session.scalars(select(XapiStatement.statement_id)
                             .where(XapiStatement.registration == new.registration)).all()
    assert len(rebuilt) == 6  # registered, 2 x experienced, answered, completed, progressed
    assert set(rebuilt) == set(stored)
