"""POST /api/courses/<slug>/enrolment after completing an older version starts the newest
one (201, new registration); the completed enrolment stays listed; ``newer_version`` tells
clients when that is possible."""
from __future__ import annotations

from elearn.services.version_move import move_learners
from tests.services.support import enrol_and_pass, publish_next_version


def test_enrolling_after_completion_starts_the_newest_version(app, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1", "unit-2"))
    first = learner.post("/api/courses/testikurssi/enrolment", json={}).get_json()
    assert first["completed_at"] is not None and first["newer_version"] is None
    publish_next_version(app)

    listed = learner.get("/api/courses").get_json()
    assert (listed[0]["version"], listed[0]["newer_version"]) == (1, 2)
    assert learner.get("/api/courses/testikurssi").get_json()["newer_version"] == 2
    assert learner.get("/api/enrolments").get_json()[0]["newer_version"] == 2

    started = learner.post("/api/courses/testikurssi/enrolment", json={})
    assert started.status_code == 201
    body = started.get_json()
    assert body["version"] == 2 and body["completed_at"] is None
    assert body["registration"] != first["registration"] and body["newer_version"] is None
    again = learner.post("/api/courses/testikurssi/enrolment", json={})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    enrolments = learner.get("/api/enrolments").get_json()
    assert [(e["version"], e["current"], e["completed_at"] is not None) for e in enrolments] \
        == [(2, True, False), (1, False, True)]


def test_unfinished_enrolment_stays_on_its_version(app, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1",))
    publish_next_version(app)
    assert learner.get("/api/courses").get_json()[0]["newer_version"] is None
    response = learner.post("/api/courses/testikurssi/enrolment", json={})
    assert response.status_code == 200 and response.get_json()["version"] == 1


def test_moved_enrolment_is_not_listed(app, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1",))
    publish_next_version(app)
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        move_learners(session, "testikurssi")
    enrolments = learner.get("/api/enrolments").get_json()
    assert [(e["version"], e["current"], e["progress"]) for e in enrolments] == [(2, True, 0.5)]
    progress = learner.get("/api/me/progress").get_json()
    assert [(c["version_number"], c["progress"]) for c in progress] == [(2, 0.5)]
