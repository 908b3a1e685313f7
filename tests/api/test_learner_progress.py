"""/api/me/progress through a whole course: units, completion and pass."""
from __future__ import annotations

from tests.api.support import right_answers

BASE = "/api/courses/testikurssi/units"


def complete_unit(app, client, key: str) -> dict:
    unit = client.get(f"{BASE}/{key}").get_json()
    submitted = client.post(f"{BASE}/{key}/attempts", json={
        "attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)})
    assert submitted.status_code == 201
    reflection = client.put(f"{BASE}/{key}/reflections/r1",
                            json={"text": "Pohdinta, joka on tarpeeksi pitkä."})
    assert reflection.status_code == 200
    return submitted.get_json()


def test_progress_through_the_course(app, learner):
    [empty] = learner.get("/api/me/progress?lang=en").get_json()
    assert empty["progress"] == 0 and empty["score"] is None and empty["passed"] is False
    assert empty["title"] == "Course testikurssi" and empty["next_unit_key"] == "unit-1"
    complete_unit(app, learner, "unit-1")
    [half] = learner.get("/api/me/progress").get_json()
    assert half["progress"] == 0.5 and half["units_complete"] == 1
    assert [u["complete"] for u in half["units"]] == [True, False]
    assert half["units"][0]["best_score"] == 1 and half["units"][0]["attempts_left"] == 2
    assert half["units"][0]["reflections_done"] == 1 and half["score"] == 0.5
    assert half["next_unit_key"] == "unit-2" and half["completed_at"] is None
    complete_unit(app, learner, "unit-2")
    [done] = learner.get("/api/me/progress").get_json()
    assert done["progress"] == 1 and done["completed_at"] is not None
    assert done["passed"] is True and done["score"] == 1 and done["next_unit_key"] is None
    [enrolment] = learner.get("/api/enrolments").get_json()
    assert enrolment["completed_at"] == done["completed_at"] and enrolment["score"] == 1


def test_submission_reports_course_completion(app, learner):
    complete_unit(app, learner, "unit-1")
    unit = learner.get(f"{BASE}/unit-2").get_json()
    learner.put(f"{BASE}/unit-2/reflections/r1", json={"text": "Pohdinta, joka on pitkä."})
    result = learner.post(f"{BASE}/unit-2/attempts", json={
        "attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)})
    body = result.get_json()
    assert body["unit_status"]["complete"] is True
    assert body["course_progress"] == 1 and body["course_completed"] is True
    assert body["course_passed"] is True


def test_progress_is_empty_before_enrolling(client_as, course):
    assert client_as("learner").get("/api/me/progress").get_json() == []
