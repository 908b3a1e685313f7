"""Concurrent requests of one learner against the real database (SQLite by default,
PostgreSQL when ELEARN_DATABASE_URL says so): each thread has its own connection and
transaction, exactly as two web workers would."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from elearn.errors import APIError
from elearn.events import AttemptSubmitted, subscribe
from elearn.models import AttemptAnswer, Enrolment, QuizAttempt, Role, Unit, User
from elearn.services import learning
from elearn.services.accounts import create_user
from tests.factories import make_course_version
from tests.services.support import names, right_answers


def run_together(app, action, count: int = 2) -> list:
    """Run ``action(session)`` in ``count`` threads released at the same instant, each in its
    own app context and session, committing on success; returns each outcome (the result or
    the APIError raised)."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def worker(index: int) -> None:
        with app.app_context():
            session = app.extensions["elearn.db"].sessionmaker()
            try:
                barrier.wait(timeout=10)
                result = action(session)
                session.commit()
                outcomes[index] = result
            except APIError as exc:
                session.rollback()
                outcomes[index] = exc
            finally:
                session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def setup(app):
    """A committed learner enrolled in a one-unit course with ONE attempt allowed, the unit
    opened and the quiz shown (its attempt created)."""
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="kerran", units=1, max_attempts=1)
        user = create_user(session, username="kiireinen", password="correct horse battery",
                           role=Role.LEARNER)
        enrolment = learning.enrol(session, user, "kerran")
        unit = learning.open_unit(session, enrolment, "unit-1")
        attempt = learning.current_attempt(session, enrolment, unit)
        answers = right_answers(session, attempt)
        return {"user_id": user.id, "enrolment_id": enrolment.id, "unit_id": unit.id,
                "attempt_id": attempt.id, "answers": answers}


def _slow_subscriber(app, seconds: float = 0.4):
    """Hold the first submitter inside its transaction for a while, so the second surely
    arrives while the first has not committed yet."""
    def subscriber(_session, event):
        if isinstance(event, AttemptSubmitted):
            time.sleep(seconds)
    subscribe(app, subscriber)


def test_two_submissions_of_the_last_attempt_exactly_one_wins(app, setup):
    _slow_subscriber(app)
    submitted = []
    subscribe(app, lambda _s, event: submitted.append(event)
              if isinstance(event, AttemptSubmitted) else None)

    def submit(session):
        enrolment = session.get(Enrolment, setup["enrolment_id"])
        unit = session.get(Unit, setup["unit_id"])
        return learning.submit_attempt(session, enrolment, unit, setup["attempt_id"],
                                       setup["answers"]).id

    outcomes = run_together(app, submit)
    winners = [o for o in outcomes if o == setup["attempt_id"]]
    losers = [o for o in outcomes if isinstance(o, APIError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == 409 and losers[0].error_code == "attempts_exhausted"
    assert len(submitted) == 1
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        assert session.scalar(select(func.count()).select_from(QuizAttempt)
                              .where(QuizAttempt.submitted_at.is_not(None))) == 1
        assert session.scalar(select(func.count()).select_from(AttemptAnswer)) == 5
        session.close()


def test_two_submissions_with_attempts_left_still_count_once(app):
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="kolmesti", units=1, max_attempts=3)
        user = create_user(session, username="kaksi-valilehtea",
                           password="correct horse battery", role=Role.LEARNER)
        enrolment = learning.enrol(session, user, "kolmesti")
        unit = learning.open_unit(session, enrolment, "unit-1")
        attempt = learning.current_attempt(session, enrolment, unit)
        ids = {"enrolment": enrolment.id, "unit": unit.id, "attempt": attempt.id,
               "answers": right_answers(session, attempt)}
    _slow_subscriber(app)

    def submit(session):
        enrolment = session.get(Enrolment, ids["enrolment"])
        unit = session.get(Unit, ids["unit"])
        return learning.submit_attempt(session, enrolment, unit, ids["attempt"],
                                       ids["answers"]).id

    outcomes = run_together(app, submit)
    assert sorted(map(str, outcomes)).count(str(ids["attempt"])) == 1, outcomes
    loser = next(o for o in outcomes if isinstance(o, APIError))
    assert loser.code == 409 and loser.error_code == "attempt_already_submitted"
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        enrolment = session.get(Enrolment, ids["enrolment"])
        status = learning.quiz_status(session, enrolment, session.get(Unit, ids["unit"]))
        assert (status.attempts_used, status.attempts_left) == (1, 2)
        session.close()


def test_quiz_shown_in_two_tabs_at_once_makes_one_attempt(app, setup):
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        # use up nothing; drop the prepared attempt so neither tab finds an open one
        session.execute(QuizAttempt.__table__.delete())

    def show(session):
        enrolment = session.get(Enrolment, setup["enrolment_id"])
        unit = session.get(Unit, setup["unit_id"])
        return learning.current_attempt(session, enrolment, unit).id

    outcomes = run_together(app, show)
    assert outcomes[0] == outcomes[1] and isinstance(outcomes[0], int), outcomes
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        assert session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
        session.close()


def test_enrolling_twice_at_once_makes_one_enrolment(app, recorded):
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="rinnakkain", units=1)
        user_id = create_user(session, username="tuplaklikkaaja",
                              password="correct horse battery", role=Role.LEARNER).id

    def enrol(session):
        return learning.enrol(session, session.get(User, user_id), "rinnakkain").id

    outcomes = run_together(app, enrol)
    assert outcomes[0] == outcomes[1] and isinstance(outcomes[0], int), outcomes
    assert names(recorded).count("Enrolled") == 1
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 1
        session.close()
