"""Name and e-mail from the platform are kept only when ``LTI_KEEP_NAME_AND_EMAIL`` is on (the
default keeps neither: see test_launch); the interface language follows the launch's locale."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from elearn.lti.models import LtiIdentity
from elearn.models import User
from tests.lti.support import launch


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "LTI_KEEP_NAME_AND_EMAIL": True}


def test_name_and_email_kept_when_allowed(registered, course, db_session):
    platform = registered
    answer = launch(requests.Session(), platform, platform.plan(
        user="moodle-5", custom={"course": course["slug"]}, name="Liisa Oppija",
        email="liisa@example.fi", locale="sv"))
    assert answer.status_code == 303
    user = db_session.get(User, db_session.scalar(select(LtiIdentity.user_id)))
    assert (user.display_name, user.email, user.preferred_language) == \
        ("Liisa Oppija", "liisa@example.fi", "sv")
    assert "Liisa" not in user.username and "moodle-5" not in user.username
