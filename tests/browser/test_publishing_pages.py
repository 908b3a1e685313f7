"""Publishing in Chromium at 1280 px: upload a course zip, preview a unit, switch language,
read the changes, publish, see the move's dry run — axe clean on every page, no sideways
scroll; a refused zip and a course with problems shown on the upload page."""
from __future__ import annotations

import re

import pytest

from tests.browser.support import scan
from tests.conftest import TEST_PASSWORD
from tests.publishing.support import SLUG, course_zip, edited, make_zip

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "COURSES_PATH": str(tmp_path / "no-courses")}


def _sign_in_trainer(page, make_user) -> None:
    trainer = make_user("trainer", display_name="Tiina Kouluttaja")
    page.goto("/login")
    page.fill("#username", trainer.username)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/trainer/preview")


def _no_sideways_scroll(page, name: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, "
                           "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{name}: page scrolls sideways ({widths})"


def _upload(page, data: bytes, name: str = "kurssi.zip") -> None:
    page.goto("/trainer/courses/upload")
    page.set_input_files("#package", files=[{"name": name, "mimeType": "application/zip",
                                             "buffer": data}])
    page.locator("main form button[type=submit]").click()


def test_upload_preview_diff_publish_in_chromium(app, make_user, new_page):
    page = new_page("en-GB")
    _sign_in_trainer(page, make_user)
    page.goto("/trainer/courses")
    scan(page, "publishing-index-empty")

    _upload(page, course_zip())
    page.wait_for_url("**/trainer/courses/drafts/*")
    assert "saved as a draft" in page.locator(".flashes").inner_text()
    scan(page, "publishing-draft")
    _no_sideways_scroll(page, "draft")

    page.get_by_role("link", name="Trust").first.click()
    page.wait_for_url("**/units/luottamus?lang=en")
    assert page.locator("fieldset.question").count() == 3
    assert page.locator("dl.answer-key").count() == 3
    scan(page, "publishing-unit-en")
    _no_sideways_scroll(page, "unit")
    page.locator(".preview-languages a[lang=sv]").click()
    page.wait_for_url("**/units/luottamus?lang=sv")
    assert page.locator("h1").inner_text().endswith("Förtroende")
    scan(page, "publishing-unit-sv")

    draft_url = page.url.split("/units/")[0]
    page.goto(draft_url + "/diff")
    scan(page, "publishing-diff-new-course")
    page.get_by_role("button", name="Publish the draft").click()
    page.wait_for_url(f"**/trainer/courses/{SLUG}/move")
    assert "is published" in page.locator(".flashes").inner_text()
    scan(page, "publishing-move-nobody")

    # a learner is mid-course; an edited package shows changes and the dry run
    learner = make_user("learner")
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"csrf_token": csrf, "username": learner.username,
                                       "password": TEST_PASSWORD}).status_code == 302
    assert client.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code in (200, 201)
    page.goto("/trainer/courses")
    scan(page, "publishing-index")
    _upload(page, course_zip(edited("units/02-luottamus/unit.yaml", "answer: false",
                                    "answer: true")))
    page.wait_for_url("**/trainer/courses/drafts/*")
    page.get_by_role("link", name="See the changes and publish").click()
    page.wait_for_url("**/diff")
    text = page.locator("main").inner_text()
    assert "gets a new activity id" in text and "1 learner is mid-course" in text
    scan(page, "publishing-diff")
    _no_sideways_scroll(page, "diff")
    page.get_by_role("button", name="Publish the draft").click()
    page.wait_for_url(f"**/trainer/courses/{SLUG}/move")
    scan(page, "publishing-move")
    page.goto(f"/trainer/courses/{SLUG}/versions/2/units/luottamus?lang=fi")
    scan(page, "publishing-version-unit")


def test_refusals_and_problems_on_the_upload_page(app, make_user, new_page):
    page = new_page("fi-FI")
    _sign_in_trainer(page, make_user)
    _upload(page, make_zip({"course.yaml": b"id: x", "../../etc/passwd.md": b"x"}))
    summary = page.locator(".error-summary")
    assert "pienikurssi/../../etc/passwd.md" in summary.inner_text()
    scan(page, "publishing-upload-refused")
    _upload(page, course_zip(edited("units/02-luottamus/unit.yaml", "pass_mark: 0.5",
                                    "pass_mark: 5")))
    assert "pienikurssi/units/02-luottamus/unit.yaml:" in page.locator(".problems").inner_text()
    scan(page, "publishing-upload-problems")
    _no_sideways_scroll(page, "upload problems")


def test_publishing_pages_reflow_at_320_px(app, make_user, new_page):
    """WCAG 1.4.10: at 320 CSS px nothing on the publishing pages scrolls sideways."""
    page = new_page("fi-FI")
    _sign_in_trainer(page, make_user)
    _upload(page, course_zip())
    page.wait_for_url("**/trainer/courses/drafts/*")
    draft_url = page.url
    page.set_viewport_size({"width": 320, "height": 800})
    for url in ("/trainer/courses", "/trainer/courses/upload", draft_url,
                draft_url + "/units/luottamus?lang=fi", draft_url + "/diff"):
        page.goto(url)
        _no_sideways_scroll(page, url)
    page.get_by_role("button", name="Julkaise luonnos").click()
    page.wait_for_url(f"**/trainer/courses/{SLUG}/move")
    _no_sideways_scroll(page, "move")
    page.goto(f"/trainer/courses/{SLUG}/versions/1")
    _no_sideways_scroll(page, "version")
