"""A trainer opens a new round of quiz attempts for a learner who used up a quiz without
passing: the trainer page (trainers and admins only, CSRF-protected) and
``elearn quiz new-round``."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.models import Role, User
from elearn.services import learning
from elearn.services.accounts import create_user
from elearn.services.quiz import quiz_status
from tests.factories import make_course_version
from tests.services.support import wrong_answers

PAGE = "/trainer/quiz-rounds"


def _db(app):
    return app.extensions["elearn.db"]


@pytest.fixture
def locked_learner(app):
    """Learner "lukittu" used all three attempts of unit-1 without passing."""
    with app.app_context(), _db(app).session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
        user = create_user(session, username="lukittu", password="correct horse battery",
                           role=Role.LEARNER)
        enrolment = learning.enrol(session, user, "testikurssi")
        unit = learning.open_unit(session, enrolment, "unit-1")
        for _ in range(3):
            attempt = learning.current_attempt(session, enrolment, unit)
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    wrong_answers(session, attempt))
    return "lukittu"


def _locked(app) -> bool:
    with app.app_context(), _db(app).session_scope() as session:
        user = session.scalar(select(User).where(User.username == "lukittu"))
        enrolment = learning.enrolment_for(session, user, "testikurssi")
        unit = learning.unit_of(session, enrolment, "unit-1")
        return quiz_status(session, enrolment, unit).locked


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_only_trainers_and_admins(client_as, role):
    client = client_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"username": "x", "course": "y", "unit": "z"}).status_code \
        == 403


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_the_page_opens_a_round(app, client_as, locked_learner, role):
    client = client_as(role)
    html = client.get(PAGE).get_data(as_text=True)
    assert "after 24 hours" in html and 'name="username"' in html
    response = client.post(PAGE, data={"username": "lukittu", "course": "testikurssi",
                                       "unit": "unit-1"}, follow_redirects=True)
    assert "A new round of attempts is open for lukittu in unit-1." in \
        response.get_data(as_text=True)
    assert not _locked(app)
    again = client.post(PAGE, data={"username": "lukittu", "course": "testikurssi",
                                    "unit": "unit-1"}, follow_redirects=True)
    assert "has attempts left in unit-1 or has passed its quiz" in again.get_data(as_text=True)


def test_the_page_names_what_is_wrong_and_needs_every_field(app, client_as, locked_learner):
    client = client_as("trainer")
    response = client.post(PAGE, data={"username": "lukittu", "course": "testikurssi",
                                       "unit": "unit-9"}, follow_redirects=True)
    assert "The course testikurssi has no unit unit-9." in response.get_data(as_text=True)
    missing = client.post(PAGE, data={"username": "lukittu", "course": "", "unit": "unit-1"})
    assert missing.status_code == 422
    assert re.search(r'id="course"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="course"',
                     missing.get_data(as_text=True))
    assert _locked(app)


def test_the_page_needs_a_csrf_token(app, client_as, locked_learner):
    client = client_as("trainer")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(PAGE, data={"username": "lukittu", "course": "testikurssi",
                                       "unit": "unit-1"})
    assert response.status_code == 400 and _locked(app)


def test_the_command_opens_a_round(app, locked_learner):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quiz", "new-round", "lukittu", "testikurssi", "unit-1"])
    assert result.exit_code == 0, result.output
    assert result.output == "A new round of attempts is open for lukittu in unit-1.\n"
    assert not _locked(app)
    again = runner.invoke(args=["quiz", "new-round", "lukittu", "testikurssi", "unit-1"])
    assert again.exit_code == 1
    assert "lukittu has attempts left in unit-1 or has passed its quiz" in again.output
