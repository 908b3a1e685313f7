"""The unit page keeps its learner-independent part (objectives and content) rendered once per
published unit and language (elearn/web/learner/fragments.py): nothing of one learner may
reach another through it, each language gets its own, and a newly published version shows its
own content."""
from __future__ import annotations

import re

from sqlalchemy import event, select, update

from elearn.models import Unit
from tests.factories import make_course_version
from tests.learner_pages.helpers import attempt_id_in, csrf_token_in

SECRET = "Oma salainen pohdintani, jota kukaan muu ei saa nähdä."


def unit_url(course, key: str = "unit-1") -> str:
    return f"/learn/courses/{course['slug']}/units/{key}"


def enrol(client, course) -> None:
    assert client.post(f"/api/courses/{course['slug']}/enrolment", json={}).status_code == 201


def test_one_learner_never_sees_anothers_data_through_the_kept_content(app, course, client_as):
    first, second = client_as("learner"), client_as("learner")
    for client in (first, second):
        client.post("/language", data={"language": "en", "next": "/"})
        enrol(client, course)
    assert first.put(f"/api/courses/{course['slug']}/units/unit-1/reflections/r1",
                     json={"text": SECRET}).status_code == 200
    page_of_first = first.get(unit_url(course)).get_data(as_text=True)
    statements: list[str] = []
    engine = app.extensions["elearn.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page_of_second = second.get(unit_url(course)).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    # The shared part is the same, and the second page was served from the kept fragment
    # (the content columns were not even read).
    assert not any("content_html" in statement for statement in statements)
    assert "Content 1 (en)." in page_of_first and "Content 1 (en)." in page_of_second
    assert "Objective 1 (en)" in page_of_second
    # Everything about the first learner stays on the first learner's page.
    assert SECRET in page_of_first and SECRET not in page_of_second
    assert attempt_id_in(page_of_first) != attempt_id_in(page_of_second)
    assert csrf_token_in(page_of_first) != csrf_token_in(page_of_second)
    assert first.user.username not in page_of_second
    # The second learner's later view shows their own reflection, not the first one's.
    assert second.put(f"/api/courses/{course['slug']}/units/unit-1/reflections/r1",
                      json={"text": "Toisen oppijan oma teksti, riittävän pitkä."}
                      ).status_code == 200
    again = second.get(unit_url(course)).get_data(as_text=True)
    assert "Toisen oppijan oma teksti" in again and SECRET not in again


def test_each_language_gets_its_own_content(app, course, client_as):
    client = client_as("learner")
    enrol(client, course)
    seen = {}
    for language in ("en", "fi", "sv", "en"):
        client.post("/language", data={"language": language, "next": "/"})
        html = client.get(unit_url(course)).get_data(as_text=True)
        seen[language] = html
        assert f"Content 1 ({language})." in html
        assert f"Objective 1 ({language})" in html
        assert re.search(rf'<html lang="{language}"', html)
    assert "Content 1 (fi)." not in seen["en"] and "Content 1 (en)." not in seen["sv"]


def test_a_new_version_shows_its_own_content(app, course, client_as):
    client = client_as("learner")
    client.post("/language", data={"language": "en", "next": "/"})
    enrol(client, course)
    assert "Content 1 (en)." in client.get(unit_url(course)).get_data(as_text=True)
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug=course["slug"], units=2)
        session.execute(update(Unit).where(Unit.version_id == version.id, Unit.unit_key == "unit-1")
                        .values(content_html={k: f"<p>Uusi sisältö ({k}).</p>"
                                              for k in ("fi", "sv", "en")}))
        new_version_id = version.id
    # The first learner stays on their version and its content; a new learner gets the new.
    assert "Content 1 (en)." in client.get(unit_url(course)).get_data(as_text=True)
    newcomer = client_as("learner")
    newcomer.post("/language", data={"language": "en", "next": "/"})
    enrol(newcomer, course)
    html = newcomer.get(unit_url(course)).get_data(as_text=True)
    assert "Uusi sisältö (en)." in html and "Content 1 (en)." not in html
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(Unit.version_id).where(
            Unit.unit_key == "unit-1", Unit.content_html.is_not(None))
            .order_by(Unit.id.desc()).limit(1)) == new_version_id
