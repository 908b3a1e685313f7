"""Scores are written in the learner's own transaction, one per changed lane and action,
computed from the action's final state, with timestamps growing per lane; learners who did
not come from an LMS, actions that fail and links without a gradebook write nothing."""
from __future__ import annotations

import json
from datetime import datetime

from elearn.lti.score_models import LtiScore
from tests.lti.passback_fixtures import course  # noqa: F401 - fixture
from tests.lti.passback_support import (SCOPE_SCORE, complete_unit, link_learner, open_unit,
                                        pass_quiz, scores, write_reflection)


def _docs(rows: list[LtiScore]) -> list[dict]:
    return [json.loads(row.payload) for row in rows]


def _times(rows: list[LtiScore]) -> list[datetime]:
    return [datetime.fromisoformat(json.loads(r.payload)["timestamp"].replace("Z", "+00:00"))
            for r in rows]


def test_a_learner_from_an_lms_gets_course_and_unit_scores(app, course, client_as):
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    course_link = link_learner(app, client.user, sub="moodle-user-7", resource_link_id="rl-c")
    unit_link = link_learner(app, client.user, sub="moodle-user-7", resource_link_id="rl-u1",
                             unit_key="unit-1",
                             lineitem_url="http://localhost:9/ags/c1/lineitems/2")
    other_unit = link_learner(app, client.user, sub="moodle-user-7", resource_link_id="rl-u2",
                              unit_key="unit-2",
                              lineitem_url="http://localhost:9/ags/c1/lineitems/3")

    open_unit(client, "unit-1")
    started = scores(app)
    assert {(r.resource_link_id, r.scope) for r in started} == {(course_link, "course"),
                                                               (unit_link, "unit")}
    for doc in _docs(started):
        assert doc["userId"] == "moodle-user-7"
        assert (doc["activityProgress"], doc["gradingProgress"]) == ("Started", "Pending")
        assert "scoreGiven" not in doc

    pass_quiz(app, client, "unit-1")  # reflection still missing: unit in progress
    after_quiz = scores(app)[2:]
    assert len(after_quiz) == 2  # one per lane for the whole submission, not one per event
    by_link = {r.resource_link_id: json.loads(r.payload) for r in after_quiz}
    assert by_link[unit_link] | {"timestamp": None} == {
        "userId": "moodle-user-7", "timestamp": None, "scoreGiven": 100.0,
        "scoreMaximum": 100, "activityProgress": "InProgress",
        "gradingProgress": "FullyGraded"}
    # The course score is the report's: mean best of both units (one not attempted).
    assert by_link[course_link]["scoreGiven"] == 50.0
    assert by_link[course_link]["activityProgress"] == "InProgress"

    write_reflection(client, "unit-1")
    by_link = {r.resource_link_id: json.loads(r.payload) for r in scores(app)[4:]}
    assert by_link[unit_link]["activityProgress"] == "Completed"
    assert by_link[course_link]["activityProgress"] == "InProgress"

    complete_unit(app, client, "unit-2")
    course_rows = scores(app, resource_link_id=course_link)
    final = json.loads(course_rows[-1].payload)
    assert (final["scoreGiven"], final["activityProgress"], final["gradingProgress"]) == (
        100.0, "Completed", "FullyGraded")
    assert scores(app, resource_link_id=other_unit)[-1].payload.count('"Completed"') == 1
    for lane in (course_link, unit_link, other_unit):
        times = _times(scores(app, resource_link_id=lane))
        assert times == sorted(times) and len(set(times)) == len(times)
    for doc in _docs(scores(app)):
        assert doc["timestamp"].endswith("Z") and len(doc["timestamp"]) == 24  # ms, UTC


def test_same_moment_scores_still_grow_in_their_lane(app, course, client_as, db_session):
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link_learner(app, client.user, sub="s1", resource_link_id="rl-c")
    open_unit(client, "unit-1")
    first = scores(app)[-1]
    # A row written later with an older clock (another web worker's clock behind) still
    # gets a timestamp after the lane's newest.
    row = db_session.get(LtiScore, first.id)
    row.timestamp = row.timestamp.replace(year=row.timestamp.year + 1)
    db_session.commit()
    pass_quiz(app, client, "unit-1")
    times = [r.timestamp for r in scores(app)]
    assert times[-1] > times[-2]
    assert (times[-1] - times[-2]).total_seconds() == 0.001


def test_no_scores_for_local_learners_failed_actions_or_links_without_a_gradebook(
        app, course, client_as):
    local = client_as("learner")
    assert local.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    complete_unit(app, local, "unit-1")
    assert scores(app) == []

    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link_learner(app, client.user, sub="s2", resource_link_id="rl-nogb",
                 lineitem_url=None, lineitems_url=None, scopes=(SCOPE_SCORE,))
    link_learner(app, client.user, sub="s2", resource_link_id="rl-noscope", scopes=())
    complete_unit(app, client, "unit-1")
    assert scores(app) == []

    linked = client_as("learner")
    assert linked.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link_learner(app, linked.user, sub="s3", resource_link_id="rl-ok")
    unit = open_unit(linked, "unit-1")
    before = len(scores(app))
    refused = linked.post("/api/courses/testikurssi/units/unit-1/attempts",
                          json={"attempt_id": unit["quiz"]["attempt_id"],
                                "answers": {"q2-multiple-choice": "a"}})
    assert refused.status_code == 422
    assert len(scores(app)) == before
