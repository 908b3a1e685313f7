"""/api/courses, enrolment and the unit view as the signed-in learner sees them."""
from __future__ import annotations

from sqlalchemy import select

from elearn.models import QuizAttempt, UnitProgress
from tests.api.support import UNIT


def test_catalogue_shows_enrolment(client_as, course):
    client = client_as("learner")
    listed = client.get("/api/courses?lang=sv").get_json()
    assert listed == [{"slug": "testikurssi", "version": 1, "title": "Course testikurssi (sv)",
                       "description": "About testikurssi (sv)", "mastery_score": 0.8,
                       "unit_count": 2, "enrolment": None, "newer_version": None}]
    enrolled = client.post("/api/courses/testikurssi/enrolment?lang=en", json={})
    assert enrolled.status_code == 201
    body = enrolled.get_json()
    assert body["course_title"] == "Course testikurssi" and body["version"] == 1
    assert body["current"] is True and body["progress"] == 0.0
    again = client.post("/api/courses/testikurssi/enrolment", json={})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    listed = client.get("/api/courses").get_json()
    assert listed[0]["enrolment"]["registration"] == body["registration"]
    enrolments = client.get("/api/enrolments").get_json()
    assert [e["id"] for e in enrolments] == [body["id"]]


def test_enrol_in_unknown_course_is_404(client_as, course):
    response = client_as("learner").post("/api/courses/ei-ole/enrolment", json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "course_not_found"


def test_course_detail_with_unit_statuses(learner):
    before = learner.get("/api/courses/testikurssi?lang=en").get_json()
    assert [u["key"] for u in before["units"]] == ["unit-1", "unit-2"]
    assert before["units"][0]["title"] == "Unit 1"
    assert before["units"][0]["status"]["viewed"] is False
    assert before["resume_unit_key"] == "unit-1" and before["next_unit_key"] == "unit-1"
    assert before["sources"][0]["id"] == "vnk-2019"
    learner.get("/api/courses/testikurssi/units/unit-2")
    after = learner.get("/api/courses/testikurssi").get_json()
    assert [u["status"]["viewed"] for u in after["units"]] == [False, True]
    assert after["resume_unit_key"] == "unit-2"


def test_course_detail_without_enrolment_has_no_status(client_as, course):
    detail = client_as("learner").get("/api/courses/testikurssi").get_json()
    assert detail["enrolment"] is None and all(u["status"] is None for u in detail["units"])


def test_unit_view_opens_unit_and_hides_answers(app, learner):
    response = learner.get(UNIT + "?lang=en")
    assert response.status_code == 200
    unit = response.get_json()
    assert unit["title"] == "Unit 1" and unit["language"] == "en"
    assert unit["content_html"] == "<h2>Unit 1 (en)</h2><p>Content 1 (en).</p>"
    assert unit["objectives"] == ["Objective 1 (en)"] and unit["next_unit_key"] == "unit-2"
    quiz = unit["quiz"]
    assert quiz["attempt_number"] == 1 and quiz["attempts_left"] == 3 and not quiz["locked"]
    assert [q["type"] for q in quiz["questions"]] == [
        "single_choice", "multiple_choice", "true_false", "matching", "ordering"]
    text = response.get_data(as_text=True)
    for secret in ('"correct"', '"feedback"', '"answer"', "because"):
        assert secret not in text
    assert unit["reflections"] == [{"key": "r1", "prompt": "Reflect 1.1", "min_length": 20,
                                    "written": False, "updated_at": None}]
    assert unit["status"]["viewed"] is True
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(UnitProgress)) is not None
        assert session.get(QuizAttempt, quiz["attempt_id"]).submitted_at is None
    # a reload shows the same attempt (and the same draw)
    assert learner.get(UNIT + "?lang=en").get_json()["quiz"] == quiz


def test_unit_view_in_each_language(learner):
    for lang in ("fi", "sv", "en"):
        unit = learner.get(f"{UNIT}?lang={lang}").get_json()
        suffix = "" if lang == "en" else f" ({lang})"
        assert unit["title"] == f"Unit 1{suffix}"
        assert unit["quiz"]["questions"][0]["prompt"] == f"Question q1-single-choice{suffix}"


def test_invalid_language_names_the_field(learner):
    response = learner.get(UNIT + "?lang=de")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]["fields"]) == ["lang"]


def test_unit_view_requires_enrolment(client_as, course):
    client = client_as("learner")
    response = client.get(UNIT)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_enrolled"
    assert client.get("/api/courses/ei-ole/units/unit-1").status_code == 404


def test_unknown_unit_is_404(learner):
    response = learner.get("/api/courses/testikurssi/units/unit-9")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unit_not_found"


def test_other_roles_cannot_take_courses(client_as, course):
    for role in ("trainer", "hr", "admin"):
        client = client_as(role)
        for method, url in (("GET", "/api/courses"), ("POST", "/api/courses/testikurssi/enrolment"),
                            ("GET", UNIT), ("GET", "/api/enrolments"),
                            ("GET", "/api/me/progress")):
            response = client.open(url, method=method)
            assert response.status_code == 403, (role, url)
            assert response.get_json()["error"]["code"] == "forbidden"


def test_learner_api_is_documented(client_as):
    spec = client_as("learner").get("/api/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/courses", "/api/courses/{slug}", "/api/courses/{slug}/units/{unit_key}",
                 "/api/courses/{slug}/enrolment", "/api/enrolments",
                 "/api/courses/{slug}/units/{unit_key}/attempts", "/api/attempts/{attempt_id}",
                 "/api/courses/{slug}/units/{unit_key}/reflections/{task_key}",
                 "/api/reflections/{reflection_id}", "/api/me/reflections", "/api/me/progress"):
        assert path in paths, path
    submit = paths["/api/courses/{slug}/units/{unit_key}/attempts"]["post"]
    assert {"201", "409", "422"} <= set(submit["responses"])
    assert "SubmitAttempt" in spec["components"]["schemas"]
