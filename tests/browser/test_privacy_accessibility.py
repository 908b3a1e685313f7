"""The privacy notice, the accessibility statement with its feedback form, the learner's own
data page and the admin privacy pages pass axe-core in Chromium; the public pages in all
three languages.  The feedback form is used with JavaScript switched off: a problem keeps
the text, a good submission says by when it is answered.  A clean run records the date of
the automated check, which the statement then shows."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from elearn.privacy.a11y_record import write_check
from tests.browser.conftest import sign_in
from tests.browser.support import BUNDLED_AXE_VERSION, scan
from tests.conftest import TEST_PASSWORD
from tests.factories import make_course_version
from tests.privacy.support import learner_did_everything

pytestmark = pytest.mark.browser

LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
SHORT = {"fi": "Lyhyt", "sv": "Kort", "en": "Short"}  # under the 10 characters asked


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "ACCESSIBILITY_CHECK_FILE": str(tmp_path / "accessibility-check.json")}


@pytest.fixture
def no_script_page(browser, server_url):
    """``no_script_page(locale)``: a page with JavaScript switched off (own cookies)."""
    contexts = []
    own = urlsplit(server_url).netloc
    offsite: list[str] = []

    def factory(locale: str):
        context = browser.new_context(locale=locale, base_url=server_url,
                                      java_script_enabled=False,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)

        def guard(route):
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:
                offsite.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()
    assert not offsite


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_public_privacy_pages_pass_axe_and_the_form_works_without_javascript(
        new_page, no_script_page, language):
    page = new_page(locale=LOCALES[language])
    page.goto("/privacy")
    assert page.locator("html").get_attribute("lang") == language
    scan(page, f"privacy-{language}")
    page.locator("footer a[href='/accessibility']").click()
    page.wait_for_url("**/accessibility")
    scan(page, f"accessibility-{language}")

    # The same form with JavaScript switched off: a problem keeps the text, then it goes.
    form = no_script_page(LOCALES[language])
    form.goto("/accessibility")
    fill_and_send(form, SHORT[language])
    assert form.locator("#f-message").input_value() == SHORT[language]
    assert form.locator("#f-contact").input_value() == "maija@example.fi"
    assert form.locator("#f-message").get_attribute("aria-invalid") == "true"
    fill_and_send(form, SHORT[language] + " – painikkeet näkyvät huonosti")
    assert form.locator("#f-message").count() == 0 and form.locator("h1").count() == 1

    # Both answers pass axe too (axe itself needs JavaScript).
    fill_and_send(page, SHORT[language])
    scan(page, f"accessibility-feedback-problem-{language}")
    fill_and_send(page, SHORT[language] + " – painikkeet näkyvät huonosti")
    scan(page, f"accessibility-feedback-thanks-{language}")


def fill_and_send(page, message: str) -> None:
    page.fill("#f-message", message)
    page.fill("#f-contact", "maija@example.fi")
    page.locator("form button.primary").click()
    page.wait_for_load_state()


def test_own_data_and_admin_pages_pass_axe_and_the_check_is_recorded(
        app, new_page, make_user):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
    learner = make_user("learner", username="anna", display_name="Anna Aalto")
    learner_did_everything(app, "anna")
    admin = make_user("admin", username="admin1")
    page = new_page()
    sign_in(page, learner.username, TEST_PASSWORD)
    page.goto("/learn/my-data")
    scan(page, "my-data")

    page = new_page()
    page.goto("/login")
    page.fill("#username", admin.username)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/accessibility")
    page.fill("#f-message", "Kaavioiden tekstivastineet ovat liian lyhyitä.")
    page.locator("form button.primary").click()
    page.goto("/admin/privacy/feedback")
    scan(page, "admin-accessibility-feedback")
    page.goto("/admin/privacy")
    scan(page, "admin-privacy")
    page.fill("#f-username", "anna")
    page.locator("main form[action$='/erase'] button").click()
    page.wait_for_url("**/admin/privacy/erase")
    scan(page, "admin-erase-confirm")
    page.fill("#f-confirm", "anna")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/admin/privacy")
    scan(page, "admin-privacy-after-erasure")

    # Every page above passed: record the check, and the statement shows it.
    write_check(Path(app.config["ACCESSIBILITY_CHECK_FILE"]),
                checked_on=date.today(), tool=f"axe-core {BUNDLED_AXE_VERSION}",
                pages=["/privacy", "/accessibility", "/learn/my-data", "/admin/privacy"],
                languages=["fi", "sv", "en"])
    page.goto("/accessibility")
    text = page.locator("main").inner_text()
    assert f"axe-core {BUNDLED_AXE_VERSION}" in text
