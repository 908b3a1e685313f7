"""Resource-link launches from the test platform over real HTTP: the learner is signed in,
linked, enrolled and lands on the unit; teachers and administrators land on their pages;
the resource link and launch link are recorded for passback."""
from __future__ import annotations

import requests
from sqlalchemy import func, select

from elearn.lti.models import LtiIdentity, LtiLaunchLink, LtiResourceLink
from elearn.models import Enrolment, Role, User
from tests.lti.platform.server import ADMINISTRATOR, INSTRUCTOR
from tests.lti.support import launch


def _follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    while response.status_code in (302, 303):
        response = browser.get(response.headers["Location"] if response.headers["Location"]
                               .startswith("http") else response.url.split("/lti/")[0]
                               + response.headers["Location"], allow_redirects=False,
                               timeout=10)
    return response


def test_learner_launch_signs_in_enrols_and_lands_on_the_unit(app, registered, course,
                                                               db_session):
    platform = registered
    browser = requests.Session()
    hint = platform.plan(user="moodle-42", custom={"course": course["slug"], "unit": "unit-2"},
                         name="Liisa Oppija", email="liisa@example.fi")
    answer = launch(browser, platform, hint)
    assert answer.status_code == 303, answer.text[:800]
    assert "/lti/landing/" in answer.headers["Location"]
    page = _follow(browser, answer)
    assert page.status_code == 200
    assert page.url.endswith(f"/learn/courses/{course['slug']}/units/unit-2")
    assert "Unit 2" in page.text

    identity = db_session.scalar(select(LtiIdentity))
    assert identity.sub == "moodle-42"
    user = db_session.get(User, identity.user_id)
    assert user.role == Role.LEARNER
    assert "Liisa" not in user.display_name and user.email is None  # not kept by default
    enrolment = db_session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    link = db_session.scalar(select(LtiResourceLink))
    assert (link.resource_link_id, link.course_slug, link.unit_key, link.context_id) == \
        ("resource-link-1", course["slug"], "unit-2", "moodle-course-7")
    launch_link = db_session.scalar(select(LtiLaunchLink))
    assert (launch_link.user_id, launch_link.enrolment_id, launch_link.resource_link_id) == \
        (user.id, enrolment.id, link.id)

    # A second launch by the same person reuses the account and enrolment.
    again = _follow(browser, launch(requests.Session(), platform, platform.plan(
        user="moodle-42", custom={"course": course["slug"]})))
    assert again.status_code == 200
    assert db_session.scalar(select(func.count(User.id))) == 1
    assert db_session.scalar(select(func.count(Enrolment.id))) == 1


def test_instructor_and_administrator_land_on_their_pages(app, registered, course, db_session):
    platform = registered
    trainer = requests.Session()
    page = _follow(trainer, launch(trainer, platform, platform.plan(
        user="teacher-1", roles=[INSTRUCTOR], custom={"course": course["slug"]})))
    assert page.status_code == 200 and "/trainer/" in page.url
    admin = requests.Session()
    page = _follow(admin, launch(admin, platform, platform.plan(
        user="admin-1", roles=[ADMINISTRATOR], custom={"course": course["slug"]})))
    assert page.status_code == 200 and page.url.endswith("/admin/lti")
    roles = dict(db_session.execute(select(LtiIdentity.sub, User.role)
                                    .join(User, User.id == LtiIdentity.user_id)).all())
    assert roles == {"teacher-1": Role.TRAINER, "admin-1": Role.ADMIN}
    assert db_session.scalar(select(func.count(Enrolment.id))) == 0


def test_learner_launch_publishes_lti_launched(app, registered, course, db_session):
    from elearn.events import LtiLaunched, subscribe
    seen = []
    subscribe(app, lambda session, event: seen.append(event)
              if isinstance(event, LtiLaunched) else None)
    platform = registered
    answer = launch(requests.Session(), platform, platform.plan(
        user="moodle-8", custom={"course": course["slug"]}))
    assert answer.status_code == 303
    [event] = seen
    launch_link = db_session.get(LtiLaunchLink, event.launch_link_id)
    assert (launch_link.enrolment_id, launch_link.resource_link_id) == \
        (event.enrolment_id, event.resource_link_id)


def test_login_initiation_by_post_and_foreign_targets(tool, registered, course):
    platform = registered
    hint = platform.plan(user="moodle-9", custom={"course": course["slug"]})
    form = {"iss": platform.issuer, "login_hint": "moodle-9", "lti_message_hint": hint,
            "target_link_uri": f"{tool}/lti/launch", "client_id": platform.client_id}
    posted = requests.post(f"{tool}/lti/login", data=form, allow_redirects=False, timeout=10)
    assert posted.status_code == 302 and posted.headers["Location"].startswith(platform.auth_url)
    foreign = requests.post(f"{tool}/lti/login", data=dict(
        form, target_link_uri="https://evil.example/lti/launch"), allow_redirects=False,
        timeout=10)
    assert foreign.status_code == 400 and 'id="failed-check">target_link_uri<' in foreign.text
    missing = requests.get(f"{tool}/lti/login", params={"iss": platform.issuer},
                           allow_redirects=False, timeout=10)
    assert missing.status_code == 400 and "missing_parameter" in missing.text
