"""Reflections over the API: write, edit, read, export; private to their author on every
endpoint (other roles 403, other learners 404 and never the text)."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.models import Reflection
from tests.api.support import UNIT

TASK = UNIT + "/reflections/r1"
SECRET = "Minun yksityinen pohdintani verkoston luottamuksesta."


def test_write_read_edit(learner):
    assert learner.get(TASK).status_code == 404  # not written yet
    created = learner.put(TASK + "?lang=en", json={"text": SECRET})
    assert created.status_code == 200
    body = created.get_json()
    assert body["text"] == SECRET and body["prompt"] == "Reflect 1.1"
    assert body["min_length"] == 20 and body["task_key"] == "r1"
    assert created.headers["Cache-Control"] == "no-store"
    assert learner.get(TASK).get_json()["text"] == SECRET
    edited = learner.put(TASK, json={"text": SECRET + " Lisäys."}).get_json()
    assert edited["id"] == body["id"] and edited["text"].endswith("Lisäys.")
    assert learner.get(f"/api/reflections/{body['id']}").get_json()["text"] == edited["text"]
    unit = learner.get(UNIT).get_json()
    assert unit["reflections"][0]["written"] is True


def test_too_short_text_names_text_and_stores_nothing(app, learner):
    response = learner.put(TASK, json={"text": "lyhyt"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"] == {
        "text": ["Write at least 20 characters (now 5)."]}
    missing = learner.put(TASK, json={})
    assert missing.status_code == 422
    assert list(missing.get_json()["error"]["details"]["fields"]) == ["text"]
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Reflection)) == 0


def test_unknown_task_and_not_enrolled(client_as, learner):
    assert learner.put(UNIT + "/reflections/r9", json={"text": SECRET}).status_code == 404
    stranger = client_as("learner")
    response = stranger.put(TASK, json={"text": SECRET})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_enrolled"


def test_reflections_are_private_on_every_endpoint(learner, client_as):
    reflection_id = learner.put(TASK, json={"text": SECRET}).get_json()["id"]
    endpoints = [("GET", TASK), ("PUT", TASK), ("GET", f"/api/reflections/{reflection_id}"),
                 ("GET", "/api/me/reflections"), ("GET", "/api/me/reflections?format=markdown")]
    for role in ("trainer", "hr", "admin"):
        client = client_as(role)
        for method, url in endpoints:
            response = client.open(url, method=method, json={"text": "x" * 30}
                                   if method == "PUT" else None)
            assert response.status_code == 403, (role, method, url)
            assert SECRET not in response.get_data(as_text=True)
    other = client_as("learner")
    assert other.get(TASK).status_code == 404  # not enrolled: nothing of theirs there
    assert other.get(f"/api/reflections/{reflection_id}").status_code == 404
    other.post("/api/courses/testikurssi/enrolment", json={})
    assert other.get(TASK).status_code == 404  # enrolled, but has written nothing
    assert other.get(f"/api/reflections/{reflection_id}").status_code == 404
    assert other.get("/api/me/reflections").get_json() == {"reflections": []}
    assert SECRET not in other.get("/api/me/reflections?format=markdown").get_data(as_text=True)
    # writing their own reflection on the same task never touches the author's
    assert other.put(TASK, json={"text": "Toisen oppijan oma teksti."}).status_code == 200
    assert learner.get(TASK).get_json()["text"] == SECRET
    assert other.get(TASK).get_json()["text"] == "Toisen oppijan oma teksti."


def test_export_json_and_markdown(learner):
    learner.put(TASK, json={"text": SECRET})
    learner.put("/api/courses/testikurssi/units/unit-2/reflections/r1",
                json={"text": "Toisen yksikön pohdinta on tässä."})
    exported = learner.get("/api/me/reflections?lang=en").get_json()["reflections"]
    assert [(r["unit"], r["text"]) for r in exported] == [
        ("unit-1", SECRET), ("unit-2", "Toisen yksikön pohdinta on tässä.")]
    assert exported[0]["prompt"] == "Reflect 1.1" and exported[0]["unit_title"] == "Unit 1"
    markdown = learner.get("/api/me/reflections?format=markdown&lang=fi")
    assert markdown.status_code == 200
    assert markdown.mimetype == "text/markdown"
    assert markdown.headers["Content-Disposition"] == 'attachment; filename="reflections.md"'
    assert markdown.headers["Cache-Control"] == "no-store"
    text = markdown.get_data(as_text=True)
    assert text.startswith("# Omat pohdintani\n") and SECRET in text
    assert "### Unit 2 (fi)" in text
    bad = learner.get("/api/me/reflections?format=pdf")
    assert bad.status_code == 422
    assert list(bad.get_json()["error"]["details"]["fields"]) == ["format"]
