"""The roster of a linked LMS course, read over NRPS from the test platform: who has not
started (never launched, or enrolled without opening anything), in progress, completed; the
status filter; access for HR, admins and trainers only; the grade-passback section of
/hr/delivery with its resend."""
from __future__ import annotations

import re

import pytest

from elearn.lti.keys import public_jwks
from elearn.lti.nrps import INSTRUCTOR_ROLE, LEARNER_ROLE
from tests.lti.passback_fixtures import course  # noqa: F401 - fixture
from tests.lti.passback_support import complete_unit, link_learner, open_unit
from tests.lti.platform.services import Fault
from tests.lti.service_fixtures import start_services


@pytest.fixture
def platform(app):
    def jwks():
        with app.extensions["elearn.db"].session_scope() as session:
            return public_jwks(session)

    running = start_services(jwks=jwks)
    yield running
    running.stop()


@pytest.fixture
def linked(app, course, client_as, platform):
    """Four learners in the LMS course: one never launched, one launched and opened
    nothing, one in progress, one through unit 1; plus the teacher."""
    services = platform.services
    services.set_members("c1", "Verkostojohtaminen, kevät", [
        {"user_id": "m-never", "roles": [LEARNER_ROLE], "name": "Ville Vieras"},
        {"user_id": "m-idle", "roles": [LEARNER_ROLE], "name": "Iida Idle"},
        {"user_id": "m-going", "roles": [LEARNER_ROLE], "name": "Olli Opiskelija"},
        {"user_id": "m-done", "roles": [LEARNER_ROLE], "name": "Aino Ahkera"},
        {"user_id": "m-teacher", "roles": [INSTRUCTOR_ROLE], "name": "Tiina Opettaja"}])
    memberships = platform.url("memberships", context_id="c1")
    link_pk = None
    for sub in ("m-idle", "m-going", "m-done"):
        client = client_as("learner")
        assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
        link_pk = link_learner(app, client.user, sub=sub, resource_link_id="rl-c",
                               token_url=platform.token_url, memberships_url=memberships)
        if sub == "m-going":
            open_unit(client, "unit-1")
        if sub == "m-done":
            complete_unit(app, client, "unit-1")
            complete_unit(app, client, "unit-2")
    return link_pk


def _statuses(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-status="([a-z_]+)">.*?<code>([^<]+)</code>', html, re.S)
    return {user: status for status, user in rows}


def test_roster_shows_who_has_not_started(app, linked, client_as, platform):
    hr = client_as("hr")
    listing = hr.get("/hr/lms/rosters")
    assert listing.status_code == 200
    assert "Moodle-kurssi" in listing.get_data(as_text=True)  # the title of the launches
    page = hr.get(f"/hr/lms/rosters/{linked}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Verkostojohtaminen, kevät" in html  # the platform's title now
    assert _statuses(html) == {"m-never": "not_started", "m-idle": "not_started",
                               "m-going": "in_progress", "m-done": "passed"}
    assert "ei ole avannut" in html and "Tiina Opettaja" not in html  # learners only (fi)
    only = hr.get(f"/hr/lms/rosters/{linked}?status=not_started").get_data(as_text=True)
    assert set(_statuses(only)) == {"m-never", "m-idle"}
    assert hr.get(f"/hr/lms/rosters/{linked}?status=bogus").status_code == 422
    assert platform.services.record.membership_requests  # read from the platform
    trainer = client_as("trainer")
    assert trainer.get(f"/hr/lms/rosters/{linked}").status_code == 200
    learner = client_as("learner")
    assert learner.get(f"/hr/lms/rosters/{linked}").status_code == 403
    assert hr.get("/hr/lms/rosters/999999").status_code == 404


def test_roster_pages_through_the_platform(app, linked, client_as, platform):
    members = [{"user_id": f"x{n}", "roles": [LEARNER_ROLE]} for n in range(250)]
    platform.services.set_members("c1", "Iso kurssi", members)
    html = client_as("hr").get(f"/hr/lms/rosters/{linked}").get_data(as_text=True)
    assert len(_statuses(html)) == 250
    assert len(platform.services.record.membership_requests) == 3  # 100 a page


def test_a_platform_that_gives_no_roster_is_named_not_a_500(app, linked, client_as, platform):
    platform.services.record.faults["memberships"] = Fault(status=503)
    page = client_as("hr").get(f"/hr/lms/rosters/{linked}")
    assert page.status_code == 200
    assert "HTTP 503" in page.get_data(as_text=True)


def test_delivery_page_shows_refused_scores_and_resends_them(app, course, client_as,
                                                              platform):
    from tests.lti.test_passback_delivery import drain
    services = platform.services
    lineitem = services.add_lineitem("c1", label="Kurssi")
    services.record.refused_scores[lineitem] = 403
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link_learner(app, client.user, sub="m1", resource_link_id="rl-c",
                 lineitem_url=platform.url("lineitem", context_id="c1", lineitem_id=lineitem),
                 token_url=platform.token_url)
    open_unit(client, "unit-1")
    drain(app)
    hr = client_as("hr")
    html = hr.get("/hr/delivery").get_data(as_text=True)
    assert "Pisteet oppimisympäristöjen arviointikirjoihin" in html
    assert "accepts no scores" in html
    assert "Testi-Moodle (https://platform.test)" in html
    del services.record.refused_scores[lineitem]
    from sqlalchemy import select
    from elearn.lti.models import LtiPlatform
    with app.extensions["elearn.db"].session_scope() as session:
        platform_id = session.scalar(select(LtiPlatform.id))
    answer = hr.post(f"/hr/lms/passback/{platform_id}/resend")
    assert answer.status_code == 302
    drain(app)
    assert services.record.results(lineitem)["m1"]["activityProgress"] == "Started"
    assert client_as("learner").post(f"/hr/lms/passback/{platform_id}/resend").status_code == 403
