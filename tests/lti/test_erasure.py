"""Erasing a person who came from an LMS removes the link between the platform's ``sub`` and
the account (and their launch links), so nothing ties the tombstone to the platform's user;
a later launch by the same person starts a new account."""
from __future__ import annotations

import requests
from sqlalchemy import func, select

from elearn.lti.models import LtiIdentity, LtiLaunchLink
from elearn.models import User
from tests.lti.support import launch


def test_erasure_unlinks_the_platform_identity(app, registered, course, db_session):
    platform = registered
    plan = {"user": "moodle-77", "custom": {"course": course["slug"]}}
    assert launch(requests.Session(), platform, platform.plan(**plan)).status_code == 303
    user = db_session.get(User, db_session.scalar(select(LtiIdentity.user_id)))
    result = app.test_cli_runner().invoke(args=["privacy", "erase", user.username, "--yes"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.scalar(select(func.count(LtiIdentity.id))) == 0
    assert db_session.scalar(select(func.count(LtiLaunchLink.id))) == 0

    assert launch(requests.Session(), platform, platform.plan(**plan)).status_code == 303
    fresh = db_session.scalar(select(LtiIdentity))
    assert fresh.sub == "moodle-77" and fresh.user_id != user.id
