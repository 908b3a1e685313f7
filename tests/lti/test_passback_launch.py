"""Grade passback end to end over HTTP: the test platform launches a learner into elearn
(real OIDC login and id_token carrying the AGS and NRPS claims), the learner passes the course
through elearn's own HTTP API, ``elearn xapi worker --once`` sends the scores, and the
platform's gradebook holds Completed / FullyGraded for that learner; the tool authenticated
with an assertion the platform checked against elearn's /lti/jwks.  Then HR reads the LMS
course's roster from the platform's NRPS endpoint."""
from __future__ import annotations

import requests
from sqlalchemy import select

from elearn.models import Question, Unit
from tests.factories import correct_response
from tests.lti.passback_platform import service_claims, services  # noqa: F401 - fixture
from tests.lti.platform.server import LEARNER
from tests.lti.support import launch


def _follow(browser: requests.Session, response: requests.Response, tool: str):
    while response.status_code in (302, 303):
        location = response.headers["Location"]
        response = browser.get(location if location.startswith("http") else tool + location,
                               allow_redirects=False, timeout=10)
    return response


def _pass_unit(app, browser: requests.Session, tool: str, slug: str, unit_key: str) -> None:
    base = f"{tool}/api/courses/{slug}/units/{unit_key}"
    unit = browser.get(base + "?lang=en", timeout=10).json()
    keys = [q["key"] for q in unit["quiz"]["questions"]]
    with app.extensions["elearn.db"].session_scope() as session:
        answers = {q.question_key: correct_response(q.data) for q in session.scalars(
            select(Question).join(Unit).where(Unit.unit_key == unit_key,
                                              Question.question_key.in_(keys)))}
    answer = browser.post(base + "/attempts", json={"attempt_id": unit["quiz"]["attempt_id"],
                                                    "answers": answers}, timeout=10)
    assert answer.status_code == 201, answer.text[:500]
    reflection = browser.put(base + "/reflections/r1",
                             json={"text": "Verkostossa luottamus syntyy teoista."}, timeout=10)
    assert reflection.status_code == 200, reflection.text[:500]


def test_a_launched_learner_who_passes_the_course_is_completed_in_the_gradebook(
        app, tool, services, registered, course, client_as):  # noqa: F811
    platform = registered
    context = "moodle-course-7"
    lineitem = services.add_lineitem(context, label="Verkostojohtaminen",
                                     resource_link_id="resource-link-1")
    services.set_members(context, "Verkostojohtaminen, kevät", [
        {"user_id": "moodle-42", "roles": [LEARNER], "name": "Liisa Oppija"},
        {"user_id": "moodle-43", "roles": [LEARNER], "name": "Lauri Myöhäinen"}])
    browser = requests.Session()
    hint = platform.plan(user="moodle-42", custom={"course": course["slug"]},
                         extra_claims=service_claims(services, context, lineitem))
    page = _follow(browser, launch(browser, platform, hint), tool)
    assert page.status_code == 200, page.text[:500]

    _pass_unit(app, browser, tool, course["slug"], "unit-1")
    _pass_unit(app, browser, tool, course["slug"], "unit-2")
    assert services.record.score_requests == []  # nothing sent while the learner worked

    result = app.test_cli_runner().invoke(args=["xapi", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "lti passback:" in result.output
    gradebook = services.record.results(lineitem)
    assert set(gradebook) == {"moodle-42"}
    score = gradebook["moodle-42"]
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed",
                                                                    "FullyGraded")
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100)
    sent = [r["body"]["timestamp"] for r in services.record.score_requests]
    assert sent == sorted(sent) and len(sent) == len(set(sent))
    assert all(r["status"] == 204 for r in services.record.score_requests)
    token = services.record.token_requests[0]
    assert token["status"] == 200 and token["claims"]["aud"] == platform.token_url
    assert token["claims"]["iss"] == platform.client_id

    hr = client_as("hr")
    listing = hr.get("/hr/lms/rosters").get_data(as_text=True)
    link_id = int(listing.split("/hr/lms/rosters/")[1].split('"')[0])
    roster = hr.get(f"/hr/lms/rosters/{link_id}?status=not_started")
    assert roster.status_code == 200
    html = roster.get_data(as_text=True)
    assert "Lauri Myöhäinen" in html and "Liisa Oppija" not in html
    status = app.test_cli_runner().invoke(args=["lti", "status"])
    assert "delivered:      %d in total" % len(sent) in status.output


def test_a_unit_link_gets_that_units_score(app, tool, services, registered, course):  # noqa: F811
    platform = registered
    context = "moodle-course-7"
    lineitem = services.add_lineitem(context, label="Yksikkö 1", resource_link_id="rl-unit-1")
    browser = requests.Session()
    hint = platform.plan(user="moodle-50", resource_link_id="rl-unit-1",
                         custom={"course": course["slug"], "unit": "unit-1"},
                         extra_claims=service_claims(services, context, lineitem))
    assert _follow(browser, launch(browser, platform, hint), tool).status_code == 200
    _pass_unit(app, browser, tool, course["slug"], "unit-1")
    result = app.test_cli_runner().invoke(args=["xapi", "worker", "--once"])
    assert result.exit_code == 0, result.output
    score = services.record.results(lineitem)["moodle-50"]
    assert (score["activityProgress"], score["gradingProgress"], score["scoreGiven"]) == (
        "Completed", "FullyGraded", 100.0)


def test_a_link_added_after_the_work_gets_the_score_at_its_first_launch(
        app, tool, services, registered, course):  # noqa: F811
    platform = registered
    context = "moodle-course-7"
    browser = requests.Session()
    course_hint = platform.plan(user="moodle-60", custom={"course": course["slug"]})
    assert _follow(browser, launch(browser, platform, course_hint), tool).status_code == 200
    _pass_unit(app, browser, tool, course["slug"], "unit-1")  # the course link has no gradebook
    lineitem = services.add_lineitem(context, label="Yksikkö 1", resource_link_id="rl-late")
    unit_hint = platform.plan(user="moodle-60", resource_link_id="rl-late",
                              custom={"course": course["slug"], "unit": "unit-1"},
                              extra_claims=service_claims(services, context, lineitem))
    assert _follow(browser, launch(browser, platform, unit_hint), tool).status_code == 200
    again = platform.plan(user="moodle-60", resource_link_id="rl-late",
                          custom={"course": course["slug"], "unit": "unit-1"},
                          extra_claims=service_claims(services, context, lineitem))
    assert _follow(browser, launch(browser, platform, again), tool).status_code == 200
    assert app.test_cli_runner().invoke(args=["xapi", "worker", "--once"]).exit_code == 0
    score = services.record.results(lineitem)["moodle-60"]
    assert (score["activityProgress"], score["scoreGiven"]) == ("Completed", 100.0)
    assert len(services.record.score_requests) == 1  # the second launch added nothing
    # A fresh link's launch alone, before the unit is opened, sends nothing; landing on the
    # unit opens it: Started, not yet graded.
    empty = services.add_lineitem(context, label="Yksikkö 2", resource_link_id="rl-u2")
    hint = platform.plan(user="moodle-60", resource_link_id="rl-u2",
                         custom={"course": course["slug"], "unit": "unit-2"},
                         extra_claims=service_claims(services, context, empty))
    answer = launch(browser, platform, hint)
    assert answer.status_code == 303
    assert app.test_cli_runner().invoke(args=["xapi", "worker", "--once"]).exit_code == 0
    assert services.record.results(empty) == {}
    assert _follow(browser, answer, tool).status_code == 200
    assert app.test_cli_runner().invoke(args=["xapi", "worker", "--once"]).exit_code == 0
    started = services.record.results(empty)["moodle-60"]
    assert (started["activityProgress"], started["gradingProgress"]) == ("Started", "Pending")
    assert "scoreGiven" not in started
