"""A person's own data: the export holds every row the database has about them, and only
theirs; the readable page shows it in the interface language."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.models import User
from elearn.privacy.models import AuditEvent
from tests.factories import make_course_version
from tests.privacy.support import (learner_did_everything, link_lms_identity,
                                   rows_pointing_at)


@pytest.fixture
def app_overrides():
    # Two destinations, so every statement has two delivery rows to account for.
    return {"LRS_DESTINATIONS": [
        {"name": "eoppiva", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "k",
         "password": "s"},
        {"name": "hr-lrs", "endpoint": "http://127.0.0.1:9/lrs/", "username": "k",
         "password": "s"}]}


@pytest.fixture
def course(app):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)


def test_export_holds_every_record_the_database_has_about_the_learner(
        app, course, make_user, login):
    anna = make_user("learner", username="anna", display_name="Anna Aalto",
                     email="anna@example.fi")
    make_user("learner", username="bertil")
    client = login(app.test_client(), anna)  # before the failed sign-in, which it would clear
    texts = learner_did_everything(app, "anna")
    learner_did_everything(app, "bertil")
    link_lms_identity(app, "anna", "moodle-user-4711")
    link_lms_identity(app, "bertil", "moodle-user-4712")

    response = client.get("/api/me/export?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    export = response.get_json()

    with app.extensions["elearn.db"].session_scope() as session:
        expected = rows_pointing_at(session, anna.id)
        bertil = session.scalar(select(User).where(User.username == "bertil"))
        others = rows_pointing_at(session, bertil.id)
    # The learner did everything, so every kind of learning record is there to find.
    assert {"users", "enrolments", "unit_progress", "quiz_attempts", "attempt_answers",
            "reflections", "reflection_revisions", "xapi_statements", "xapi_deliveries",
            "login_failures", "lti_identities"} <= set(expected)
    exported = {table: {row["id"] for row in rows}
                for table, rows in export["records"].items()}
    for table, ids in expected.items():
        assert exported.get(table, set()) >= ids, table
    for table, ids in exported.items():
        assert not ids & others.get(table, set()) - expected.get(table, set()), table
    assert all("password_hash" not in row for row in export["records"]["users"])
    assert [row["sub"] for row in export["records"]["lti_identities"]] == ["moodle-user-4711"]

    # The readable part agrees with the database.
    assert export["account"]["username"] == "anna"
    assert export["account"]["email"] == "anna@example.fi"
    [enrolment] = export["enrolments"]
    assert enrolment["completed_at"] and enrolment["course"] == "testikurssi"
    assert len(enrolment["attempts"]) == len(expected["quiz_attempts"])
    assert sum(len(a["answers"]) for a in enrolment["attempts"]) == \
        len(expected["attempt_answers"])
    assert all(a["answers"][0]["prompt"].startswith("Question") for a in enrolment["attempts"])
    assert len(enrolment["reflections"]) == len(expected["reflections"])
    assert all("Lopullinen" in r["text"] for r in enrolment["reflections"])
    # Every text the learner saved, not only the last: the draft, then the final text.
    assert [[revision["text"] for revision in r["revisions"]]
            for r in enrolment["reflections"]] == [
        [draft, final] for draft, final in zip(texts["drafts"], texts["reflections"])]
    assert sum(len(r["revisions"]) for r in enrolment["reflections"]) == \
        len(expected["reflection_revisions"])
    assert len(export["statements"]) == len(expected["xapi_statements"])
    assert {d["destination"] for s in export["statements"] for d in s["deliveries"]} == \
        {"eoppiva", "hr-lrs"}
    assert all(s["statement"]["id"] == s["id"] for s in export["statements"])


def test_export_is_recorded_in_the_audit_log_and_needs_a_session(app, course, make_user,
                                                                  login):
    anna = make_user("learner", username="anna")
    assert app.test_client().get("/api/me/export").status_code == 401
    client = login(app.test_client(), anna)
    assert client.get("/api/me/export?download=true").headers["Content-Disposition"] == \
        'attachment; filename="my-data.json"'
    bad = client.get("/api/me/export?lang=de")
    assert bad.status_code == 422 and "lang" in str(bad.get_json()["error"]["details"])
    with app.extensions["elearn.db"].session_scope() as session:
        events = session.scalars(select(AuditEvent)).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in events] == [
        ("export", anna.id, anna.id)]


@pytest.mark.parametrize("language, heading, course_word", [
    ("fi", "Omat tietoni", "Kurssit"), ("sv", "Mina uppgifter", "Kurser"),
    ("en", "My data", "Courses")])
def test_my_data_page_shows_everything_in_the_interface_language(
        app, course, make_user, login, language, heading, course_word):
    anna = make_user("learner", username="anna", display_name="Anna Aalto")
    texts = learner_did_everything(app, "anna")
    client = login(app.test_client(), anna)
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get("/learn/my-data").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page and f"<h2>{course_word}</h2>" in page
    assert "Anna Aalto" in page
    for reflection in texts["reflections"] + texts["drafts"]:
        assert reflection in page
    assert "/api/me/export?download=true" in page
