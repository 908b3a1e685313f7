"""Privacy notice and accessibility statement: public, in three languages, linked from every
page's footer, filled with the operator's texts and what the service knows; production
refuses to start without the operator's files; the feedback form stores feedback, keeps the
text on a problem and shows admins the days left."""
from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from elearn import create_app
from elearn.config import SettingError
from elearn.db import utcnow
from elearn.privacy.models import AccessibilityFeedback
from elearn.privacy.notices import EXAMPLE_PATH, NoticeProblems, load_notices


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": [{"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI/",
                                  "username": "key-123", "password": "secret-456"}]}


@pytest.mark.parametrize("language, privacy, accessibility", [
    ("fi", "Tietosuojaseloste", "Saavutettavuusseloste"),
    ("sv", "Dataskyddsbeskrivning", "Tillgänglighetsutlåtande"),
    ("en", "Privacy notice", "Accessibility statement")])
def test_pages_are_public_and_in_every_language(app, language, privacy, accessibility):
    client = app.test_client()
    client.post("/language", data={"language": language, "next": "/"})
    notice = client.get("/privacy")
    assert notice.status_code == 200
    html = notice.get_data(as_text=True)
    assert f"<h1>{privacy}</h1>" in html and f'<html lang="{language}">' in html
    assert "lrs.example.fi" in html and "eoppiva" in html
    assert "secret-456" not in html and "key-123" not in html and "/xAPI/" not in html
    statement = client.get("/accessibility").get_data(as_text=True)
    assert f"<h1>{accessibility}</h1>" in statement
    assert "Traficom" in statement and "saavutettavuus@traficom.fi" in statement
    assert 'name="message"' in statement
    # Texts from the operator's (here: the example) files in the page's language.
    notices = load_notices(EXAMPLE_PATH)
    assert str(escape(notices.privacy["controller"][language])) in html
    assert str(escape(notices.accessibility["non_accessible"][0]["content"][language])) \
        in statement


@pytest.mark.parametrize("path", ["/privacy", "/accessibility", "/login"])
def test_every_page_links_both_from_its_footer(app, client_as, path):
    for client in (app.test_client(), client_as("learner")):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer'):]
        assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer


def test_feedback_is_stored_and_the_sender_told_when_to_expect_an_answer(app):
    client = app.test_client()
    client.post("/language", data={"language": "en", "next": "/"})
    sent = client.post("/accessibility/feedback",
                       data={"message": "The quiz buttons are hard to see.",
                             "contact": "maija@example.fi", "page": "/learn/x"})
    assert sent.status_code == 200
    due = (utcnow() + timedelta(days=14)).date()
    assert f"{due:%B} {due.day}, {due.year}" in sent.get_data(as_text=True)
    with app.extensions["elearn.db"].session_scope() as session:
        [item] = session.scalars(select(AccessibilityFeedback)).all()
        assert (item.message, item.contact, item.page, item.language, item.user_id) == (
            "The quiz buttons are hard to see.", "maija@example.fi", "/learn/x", "en", None)


def test_a_problem_keeps_the_text_and_names_the_field(app):
    client = app.test_client()
    client.post("/language", data={"language": "en", "next": "/"})
    response = client.post("/accessibility/feedback",
                           data={"message": "Too short", "contact": "x" * 300, "page": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert ">Too short</textarea>" in html and 'value="' + "x" * 300 + '"' in html
    assert 'id="f-message" ' in html and 'aria-describedby="f-message-error"' in html
    assert "Write at least 10 characters." in html and "Write at most 254 characters." in html
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalars(select(AccessibilityFeedback)).all() == []


def test_one_address_may_send_only_its_share_and_keeps_its_text_when_over(app):
    app.config["FEEDBACK_ADDRESS_LIMIT"] = "2 per hour"
    client = app.test_client()
    client.post("/language", data={"language": "en", "next": "/"})
    # A submission with a problem is not stored, so it does not count.
    assert client.post("/accessibility/feedback", data={"message": "short"}).status_code == 422
    for n in range(2):
        sent = client.post("/accessibility/feedback",
                           data={"message": f"Feedback number {n} about contrast."})
        assert sent.status_code == 200
    over = client.post("/accessibility/feedback",
                       data={"message": "The third message, kept on the page.",
                             "page": "/learn/y"})
    assert over.status_code == 429
    html = over.get_data(as_text=True)
    assert ">The third message, kept on the page.</textarea>" in html
    assert 'value="/learn/y"' in html
    wait = re.search(r"Many messages have come from your network address\. Try again in "
                     r"(\d+) minutes, or write to saavutettavuus@esimerkki\.fi\.", html)
    assert wait and 59 <= int(wait.group(1)) <= 61  # the hour's window, rounded up
    assert 'aria-describedby="f-message-error"' in html
    with app.extensions["elearn.db"].session_scope() as session:
        stored = session.scalars(select(AccessibilityFeedback.message)).all()
    assert sorted(stored) == ["Feedback number 0 about contrast.",
                              "Feedback number 1 about contrast."]


def test_feedback_form_needs_its_csrf_token(app_overrides, database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret-key-that-is-long-enough-0123",
                      **app_overrides})
    client = app.test_client()
    refused = client.post("/accessibility/feedback", data={"message": "A long enough text."})
    assert refused.status_code == 400
    page = client.get("/accessibility").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 2)[2].split('"', 1)[0]
    accepted = client.post("/accessibility/feedback",
                           data={"message": "A long enough text.", "csrf_token": token})
    assert accepted.status_code == 200
    app.extensions["elearn.db"].engine.dispose()


def test_admins_see_open_feedback_with_days_left(app, client_as):
    with app.extensions["elearn.db"].session_scope() as session:
        session.add(AccessibilityFeedback(message="Old one", received_at=utcnow()
                                          - timedelta(days=16)))
        session.add(AccessibilityFeedback(message="New one", received_at=utcnow()
                                          - timedelta(days=3)))
    assert client_as("hr").get("/admin/privacy/feedback").status_code == 403
    admin = client_as("admin")
    admin.post("/language", data={"language": "en", "next": "/"})
    html = admin.get("/admin/privacy/feedback").get_data(as_text=True)
    assert html.index("Old one") < html.index("New one")
    assert "2 days late" in html and "11 days (by" in html
    with app.extensions["elearn.db"].session_scope() as session:
        old = session.scalar(select(AccessibilityFeedback)
                             .where(AccessibilityFeedback.message == "Old one"))
    assert admin.post(f"/admin/privacy/feedback/{old.id}/answered").status_code == 302
    html = admin.get("/admin/privacy/feedback").get_data(as_text=True)
    assert "2 days late" not in html and "Old one" in html  # now under answered
    assert admin.post("/admin/privacy/feedback/999999/answered").status_code == 404


def test_production_refuses_to_start_without_the_operators_files(database_url, tmp_path):
    settings = {"ENV": "production", "DATABASE_URL": database_url,
                "SECRET_KEY": "a-production-secret-that-is-long-enough-0123456"}
    with pytest.raises(SettingError, match="ELEARN_NOTICES_PATH"):
        create_app(settings)
    folder = tmp_path / "notices"
    shutil.copytree(EXAMPLE_PATH, folder)
    (folder / "accessibility.yaml").write_text(
        (EXAMPLE_PATH / "accessibility.yaml").read_text(encoding="utf-8")
        .replace("compliance: partial", "compliance: mostly"), encoding="utf-8")
    (folder / "privacy.yaml").unlink()
    with pytest.raises(SettingError) as refused:
        create_app({**settings, "NOTICES_PATH": str(folder)})
    message = str(refused.value)
    assert f"{folder / 'privacy.yaml'}:1: file missing" in message
    line = (EXAMPLE_PATH / "accessibility.yaml").read_text(encoding="utf-8").splitlines() \
        .index("compliance: partial") + 1
    assert f"{folder / 'accessibility.yaml'}:{line}: compliance: expected one of" in message
    shutil.copy(EXAMPLE_PATH / "privacy.yaml", folder)
    shutil.copy(EXAMPLE_PATH / "accessibility.yaml", folder)
    app = create_app({**settings, "NOTICES_PATH": str(folder)})
    assert not app.extensions["elearn.notices"].example
    app.extensions["elearn.db"].engine.dispose()


def test_a_text_missing_a_language_is_named_with_its_line(tmp_path):
    shutil.copytree(EXAMPLE_PATH, tmp_path / "n")
    path = tmp_path / "n" / "privacy.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '  sv: "Utbildningstjänster, koulutus@esimerkki.fi"\n', "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NoticeProblems) as problems:
        load_notices(tmp_path / "n")
    line = text.splitlines().index("contact:") + 1
    assert problems.value.problems == [f"{path}:{line + 1}: missing text in sv"]


def test_privacy_notice_states_the_retention_settings(app):
    app.extensions["elearn.retention"].days.update({"reflections": 365, "statements": 0})
    client = app.test_client()
    client.post("/language", data={"language": "en", "next": "/"})
    html = client.get("/privacy").get_data(as_text=True)
    assert "reflections: after 365 days without activity in the course" in html
    assert "failed sign-ins: after 90 days" in html
    assert "has received: not automatically; kept until erased" in html
