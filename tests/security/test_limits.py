"""Body size on every request, and JSON (never a form or an empty plain post) on mutating API calls."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.models import Enrolment
from tests.security.conftest import SLUG, assert_json_error

ENROL = f"/api/courses/{SLUG}/enrolment"


def test_a_body_over_the_limit_is_refused_even_when_the_view_never_reads_it(
        app, client_as, course, db_session):
    client = client_as("learner")
    big = "{" + '"x": "' + "a" * (2 * 1024 * 1024) + '"}'
    error = assert_json_error(client.post(ENROL, data=big, content_type="application/json"), 413)
    assert error["code"] == "payload_too_large"
    assert db_session.scalar(select(func.count(Enrolment.id))) == 0


def test_the_limit_is_the_setting(app, client_as, course):
    app.config["MAX_CONTENT_LENGTH"] = 64
    client = client_as("learner")
    assert_json_error(client.post(ENROL, data='{"x": "' + "a" * 100 + '"}',
                                  content_type="application/json"), 413)
    assert client.post(ENROL, json={}).status_code == 201


def test_a_form_body_over_the_limit_on_a_page(app, client_as, course):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client = client_as("learner")
    response = client.post(f"/learn/courses/{SLUG}/enrol", data={"x": "a" * 5000})
    assert response.status_code == 413


def test_an_empty_post_without_json_is_refused(app, client_as, course, db_session):
    """A cross-site form can post an empty body; only JSON proves a script of our origin."""
    client = client_as("learner")
    error = assert_json_error(client.post(ENROL), 415)
    assert error["code"] == "unsupported_media_type"
    assert_json_error(client.post(ENROL, data="", content_type="text/plain"), 415)
    assert db_session.scalar(select(func.count(Enrolment.id))) == 0
    empty_json = client.post(ENROL, data="", content_type="application/json")
    assert empty_json.status_code == 201


def test_wrong_method_still_answers_405(app, client_as, course):
    assert_json_error(client_as("learner").delete(ENROL), 405)
