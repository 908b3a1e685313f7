"""xAPI statements of learners who came from an LMS: pseudonymous by default, the platform's
account (issuer + sub) with ELEARN_LTI_XAPI_ACTOR=platform, and the LMS course in the context
under this profile's extension IRI; statements of local learners are unchanged."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from elearn.config import SettingError
from elearn.models import XapiStatement
from elearn.xapi.statements import lms_context_extension
from tests.lti.passback_fixtures import course  # noqa: F401 - fixture
from tests.lti.passback_support import link_learner, open_unit, pass_quiz



def _statements(app, user_id: int) -> list[dict]:
    with app.extensions["elearn.db"].session_scope() as session:
        return [json.loads(p) for p in session.scalars(
            select(XapiStatement.payload).where(XapiStatement.user_id == user_id)
            .order_by(XapiStatement.id))]


def _launched_learner(app, client_as):
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link_learner(app, client.user, sub="moodle-77", resource_link_id="rl-c")
    open_unit(client, "unit-1")
    pass_quiz(app, client, "unit-1")
    return client


def test_pseudonymous_by_default_with_the_lms_course_in_context(app, course, client_as):
    client = _launched_learner(app, client_as)
    later = _statements(app, client.user.id)[1:]  # the first was written before the link
    assert later
    public_url = app.config["PUBLIC_URL"]
    extension = lms_context_extension(public_url)
    assert extension == public_url + "/xapi/profile/extensions/lms-context"
    for statement in later:
        account = statement["actor"]["account"]
        assert account["homePage"] == public_url
        assert account["name"] == client.user.opaque_id
        assert statement["context"]["extensions"][extension] == {
            "platform": "https://platform.test", "id": "c1", "title": "Moodle-kurssi"}
    masteries = [s for s in later if "result" in s and "score" in s["result"]
                 and s["verb"]["id"].endswith("passed")]
    assert masteries and all(extension in s["context"]["extensions"] for s in masteries)


@pytest.mark.parametrize("app_overrides", [{"LTI_XAPI_ACTOR": "platform"}])
def test_platform_actor_when_configured(app, course, client_as):
    client = _launched_learner(app, client_as)
    statements = _statements(app, client.user.id)
    for statement in statements[1:]:
        assert statement["actor"]["account"] == {"homePage": "https://platform.test",
                                                 "name": "moodle-77"}
    local = client_as("learner")
    assert local.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    open_unit(local, "unit-1")
    for statement in _statements(app, local.user.id):
        assert statement["actor"]["account"]["name"] == local.user.opaque_id
        assert lms_context_extension(app.config["PUBLIC_URL"]) not in \
            statement["context"].get("extensions", {})


def test_unknown_actor_setting_is_refused():
    from elearn import create_app
    with pytest.raises(SettingError, match="ELEARN_LTI_XAPI_ACTOR"):
        create_app({"ENV": "testing", "LTI_XAPI_ACTOR": "email"})
